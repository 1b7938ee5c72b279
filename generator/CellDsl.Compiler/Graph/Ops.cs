using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Compiler.Autodiff;

namespace CellDsl.Compiler.Graph
{
    /// <summary>How an op is written: a leaf, a parameterised projection (W, P, Linear; special in every back end),
    /// an infix operator, unary minus, or a call (the DSL's <c>Tanh(v)</c>, the kernels' <c>V.Tanh(v)</c>).</summary>
    public enum OpForm
    {
        Leaf,
        Projection,
        Infix,
        Prefix,
        Call,
    }

    /// <summary>What an op's adjoint rule may read: dL/d(the node), the node's value, its index, and its operands' values.</summary>
    public readonly struct AdjointContext
    {
        private readonly Func<int, AdjExpr> _operand;

        public AdjointContext(AdjExpr grad, AdjExpr value, int node, Func<int, AdjExpr> operand)
        {
            Grad = grad;
            Value = value;
            Node = node;
            _operand = operand;
        }

        public AdjExpr Grad { get; }
        public AdjExpr Value { get; }
        public int Node { get; }

        /// <summary>The value of operand <paramref name="i"/> (a constant when it is one).</summary>
        public AdjExpr Operand(int i) => _operand(i);
    }

    /// <summary>One op of the IR. Elementwise ops carry everything the back ends need: the printed form, the float64
    /// evaluation and the adjoint rule; their SIMD method is <see cref="Name"/> on <c>ISimd</c>.</summary>
    public sealed class OpInfo
    {
        internal OpInfo(OpKind kind, OpForm form, int arity, string name, int precedence = 4, bool elementwise = false, bool commutative = false,
            Func<double, double, double>? evaluate = null, Func<AdjointContext, AdjExpr[]>? adjoint = null)
        {
            Kind = kind;
            Form = form;
            Arity = arity;
            Name = name;
            Precedence = precedence;
            IsElementwise = elementwise;
            IsCommutative = commutative;
            Evaluate = evaluate;
            Adjoint = adjoint;
        }

        public OpKind Kind { get; }
        public OpForm Form { get; }
        public int Arity { get; }

        /// <summary>The operator symbol (infix and prefix), or the DSL's method, which is also the ISimd member (calls).</summary>
        public string Name { get; }

        /// <summary>Binding strength when printed: 1 for + and -, 2 for *, 3 for unary minus, 4 for what binds tighter.</summary>
        public int Precedence { get; }

        public bool IsElementwise { get; }
        public bool IsLeaf => Form == OpForm.Leaf;
        public bool IsCommutative { get; }

        /// <summary>The value in float64 from the operands' (the second is 0 for a unary op); null for leaves and projections.</summary>
        public Func<double, double, double>? Evaluate { get; }

        /// <summary>What dL/d(node) contributes to each operand's adjoint, in operand order; null for leaves and projections.</summary>
        public Func<AdjointContext, AdjExpr[]>? Adjoint { get; }

        /// <summary>
        /// The op applied to its operands as source text. <paramref name="operand"/>(i, level) prints operand i where
        /// binding level <c>level</c> is needed; the result is parenthesised when it binds looser than
        /// <paramref name="outer"/>. A unary minus prints its operand at level 4, so -(-a) never prints as the
        /// decrement --a; a sum's right operand at one level up, so a - (b - c) keeps its parentheses.
        /// </summary>
        public string Format(Func<int, int, string> operand, int outer, string callPrefix = "")
        {
            switch (Form)
            {
                case OpForm.Infix: return Paren($"{operand(0, Precedence)} {Name} {operand(1, Precedence + 1)}", Precedence, outer);
                case OpForm.Prefix: return Paren($"{Name}{operand(0, 4)}", Precedence, outer);
                case OpForm.Call: return $"{callPrefix}{Name}({operand(0, 0)})";
                default: throw new InvalidOperationException($"{Kind} has no operator form; its back ends write it themselves");
            }
        }

        public static string Paren(string s, int own, int outer) => own < outer ? "(" + s + ")" : s;
    }

    /// <summary>
    /// The op table: per op its arity, form, printed name, whether it is elementwise or commutative, its float64
    /// evaluation and its adjoint rule. The parser, validator, printers, kernel writer, interpreter and autodiff read
    /// it; a new elementwise op is one entry here, one method on ISimd and one on CellOps.
    /// </summary>
    public static class Ops
    {
        private static readonly OpInfo[] Table =
        {
            new OpInfo(OpKind.Input, OpForm.Leaf, 0, "x"),
            new OpInfo(OpKind.State, OpForm.Leaf, 0, "state"),
            new OpInfo(OpKind.Const, OpForm.Leaf, 0, "const"),
            new OpInfo(OpKind.Dense, OpForm.Projection, 1, "W"),
            new OpInfo(OpKind.Bias, OpForm.Leaf, 0, "B"),
            new OpInfo(OpKind.Diag, OpForm.Projection, 1, "P", elementwise: true),
            new OpInfo(OpKind.Add, OpForm.Infix, 2, "+", 1, elementwise: true, commutative: true,
                evaluate: (a, b) => a + b, adjoint: c => new[] { c.Grad, c.Grad }),
            new OpInfo(OpKind.Sub, OpForm.Infix, 2, "-", 1, elementwise: true,
                evaluate: (a, b) => a - b, adjoint: c => new[] { c.Grad, -c.Grad }),
            new OpInfo(OpKind.Mul, OpForm.Infix, 2, "*", 2, elementwise: true, commutative: true,
                evaluate: (a, b) => a * b, adjoint: c => new[] { c.Grad * c.Operand(1), c.Grad * c.Operand(0) }),
            new OpInfo(OpKind.Neg, OpForm.Prefix, 1, "-", 3, elementwise: true,
                evaluate: (a, _) => -a, adjoint: c => new[] { -c.Grad }),
            // σ' = y (1 - y)
            new OpInfo(OpKind.Sigmoid, OpForm.Call, 1, "Sigmoid", elementwise: true,
                evaluate: (a, _) => 1.0 / (1.0 + Math.Exp(-a)), adjoint: c => new[] { c.Grad * (c.Value * (AdjExpr.C(1f) - c.Value)) }),
            // tanh' = 1 - y²
            new OpInfo(OpKind.Tanh, OpForm.Call, 1, "Tanh", elementwise: true,
                evaluate: (a, _) => Math.Tanh(a), adjoint: c => new[] { c.Grad * (AdjExpr.C(1f) - c.Value * c.Value) }),
            new OpInfo(OpKind.Relu, OpForm.Call, 1, "Relu", elementwise: true,
                evaluate: (a, _) => Math.Max(0.0, a), adjoint: c => new[] { new AdjExpr(AdjKind.ReluMask, c.Node, A: c.Grad) }),
        };

        /// <summary>The entry of <paramref name="op"/>; an op outside the table is an ArgumentOutOfRangeException.</summary>
        public static OpInfo Of(OpKind op)
            => IsKnown(op) ? Table[(int)op] : throw new ArgumentOutOfRangeException(nameof(op), op, "not an op of the IR");

        public static bool IsKnown(OpKind op) => op >= 0 && (int)op < Table.Length;

        public static IReadOnlyList<OpInfo> All => Table;

        /// <summary>The ops written as calls (Sigmoid, Tanh, Relu): the DSL's activations.</summary>
        public static IEnumerable<OpInfo> Calls => Table.Where(o => o.Form == OpForm.Call);

        /// <summary>The activation the DSL calls <paramref name="name"/>, or null.</summary>
        public static OpInfo? Call(string name) => Table.FirstOrDefault(o => o.Form == OpForm.Call && o.Name == name);
    }
}
