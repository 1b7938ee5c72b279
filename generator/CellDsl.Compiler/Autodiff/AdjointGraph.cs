using System.Collections.Generic;
using CellDsl.Compiler.Graph;

namespace CellDsl.Compiler.Autodiff
{
    public enum AdjKind
    {
        /// <summary>The adjoint of the node whose rule this is (dL/d node).</summary>
        Grad,
        /// <summary>The forward value of <see cref="AdjExpr.Node"/>.</summary>
        Value,
        /// <summary>The value of diagonal parameter <see cref="AdjExpr.Node"/> (a parameter index).</summary>
        ParamValue,
        Const,
        Mul,
        Sub,
        Neg,
        /// <summary><c>Value(Node) &gt; 0 ? A : 0</c>, ReLU's derivative applied to A.</summary>
        ReluMask,
    }

    /// <summary>An elementwise expression of the backward pass, evaluated per element like the forward nodes.</summary>
    public sealed record AdjExpr(AdjKind Kind, int Node = -1, float Value = 0f, AdjExpr? A = null, AdjExpr? B = null)
    {
        public static readonly AdjExpr Grad = new AdjExpr(AdjKind.Grad);
        public static AdjExpr Val(int node) => new AdjExpr(AdjKind.Value, node);
        public static AdjExpr C(float c) => new AdjExpr(AdjKind.Const, Value: c);
        public static AdjExpr operator *(AdjExpr a, AdjExpr b) => new AdjExpr(AdjKind.Mul, A: a, B: b);
        public static AdjExpr operator -(AdjExpr a, AdjExpr b) => new AdjExpr(AdjKind.Sub, A: a, B: b);
        public static AdjExpr operator -(AdjExpr a) => new AdjExpr(AdjKind.Neg, A: a);

        /// <summary>Forward nodes whose values this expression reads.</summary>
        public void CollectValues(ICollection<int> into)
        {
            if (Kind == AdjKind.Value || Kind == AdjKind.ReluMask) into.Add(Node);
            A?.CollectValues(into);
            B?.CollectValues(into);
        }
    }

    public enum TermKind
    {
        /// <summary>adjoint(Target node) += Expr, elementwise.</summary>
        ToNode,
        /// <summary>gradient(Target parameter) += Expr, elementwise, summed over rows and steps.</summary>
        ToParam,
        /// <summary>adjoint(Target node) += Grad · W, a GEMM with the dense weight of the source node.</summary>
        ProjectToOperand,
        /// <summary>gradient(Target weight) += Gradᵀ · Value(operand), a GEMM over all rows and steps.</summary>
        ProjectToWeight,
    }

    public sealed record AdjointTerm(int Source, TermKind Kind, int Target, AdjExpr? Expr);

    /// <summary>
    /// Symbolic reverse-mode differentiation of a cell graph: for every node, the terms its adjoint contributes
    /// to its operands and parameters. The emitter turns these into fused loops and GEMMs; the reference
    /// interpreter evaluates them in float64, so both read the same derivative rules.
    /// </summary>
    public sealed class AdjointGraph
    {
        public CellGraph Forward { get; }

        /// <summary>Terms[n]: what node n's adjoint contributes, in rule order.</summary>
        public IReadOnlyList<AdjointTerm>[] Terms { get; }

        /// <summary>Nodes whose forward values the backward pass reads (must be kept from the forward pass).</summary>
        public bool[] ValueNeeded { get; }

        private AdjointGraph(CellGraph forward, List<AdjointTerm>[] terms, bool[] needed)
        {
            Forward = forward;
            Terms = terms;
            ValueNeeded = needed;
        }

        public static AdjointGraph Build(CellGraph g)
        {
            var terms = new List<AdjointTerm>[g.Nodes.Count];
            var needed = new bool[g.Nodes.Count];
            for (int n = 0; n < g.Nodes.Count; n++)
            {
                var list = terms[n] = new List<AdjointTerm>();
                var node = g.Nodes[n];
                var d = AdjExpr.Grad;
                var y = AdjExpr.Val(n);
                switch (node.Op)
                {
                    case OpKind.Diag: // y = p ⊙ v
                        ToNode(list, g, n, node.Args[0], d * new AdjExpr(AdjKind.ParamValue, node.Param));
                        list.Add(new AdjointTerm(n, TermKind.ToParam, node.Param, d * ValueOf(g, node.Args[0])));
                        break;
                    case OpKind.Bias:
                        list.Add(new AdjointTerm(n, TermKind.ToParam, node.Param, d));
                        break;
                    case OpKind.Dense: // y = W v (+ b)
                        if (g.Nodes[node.Args[0]].Op != OpKind.Const)
                            list.Add(new AdjointTerm(n, TermKind.ProjectToOperand, node.Args[0], null));
                        list.Add(new AdjointTerm(n, TermKind.ProjectToWeight, node.Param, null));
                        needed[node.Args[0]] = true;
                        if (node.Param2 >= 0) list.Add(new AdjointTerm(n, TermKind.ToParam, node.Param2, d));
                        break;
                    default:
                        // The op table's rule: one contribution per operand, in operand order.
                        if (Ops.Of(node.Op).Adjoint is { } rule)
                        {
                            var args = node.Args;
                            var parts = rule(new AdjointContext(d, y, n, i => ValueOf(g, args[i])));
                            for (int i = 0; i < parts.Length; i++) ToNode(list, g, n, args[i], parts[i]);
                        }
                        break;
                }
                foreach (var t in list)
                {
                    if (t.Expr is null) continue;
                    var values = new List<int>();
                    t.Expr.CollectValues(values);
                    foreach (int v in values) needed[v] = true;
                }
            }
            return new AdjointGraph(g, terms, needed);
        }

        private static AdjExpr ValueOf(CellGraph g, int node)
            => g.Nodes[node].Op == OpKind.Const ? AdjExpr.C(g.Nodes[node].Value) : AdjExpr.Val(node);

        private static void ToNode(List<AdjointTerm> list, CellGraph g, int source, int target, AdjExpr e)
        {
            // Constants have no adjoint; biases and diagonal weights are leaves whose gradient is a ToParam term.
            if (g.Nodes[target].Op == OpKind.Const) return;
            list.Add(new AdjointTerm(source, TermKind.ToNode, target, e));
        }
    }
}
