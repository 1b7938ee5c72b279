using System.Collections.Generic;

namespace CellDsl.Compiler.Graph
{
    /// <summary>Facts derived from a graph: value sizes, structural validity, the input == hidden requirement.</summary>
    /// <summary>A node whose sizes tie the input size to the hidden size: it mixes both (<paramref name="State"/> is -1),
    /// or state <paramref name="State"/> takes its input-size value.</summary>
    public readonly record struct SizeConflict(int Node, int State);

    public static class GraphAnalysis
    {
        /// <summary>The size of every node's value. Mixed input/hidden elementwise ops are typed hidden
        /// (they require input == hidden; see <see cref="SquareRequirement"/>).</summary>
        public static Dim[] Dims(CellGraph g)
        {
            var dims = new Dim[g.Nodes.Count];
            for (int i = 0; i < dims.Length; i++) dims[i] = DimOf(g.Nodes[i], dims);
            return dims;
        }

        /// <summary>The size of one node's value from its operands' sizes: the one rule, for whole graphs and for
        /// <see cref="CellBuilder"/> as it adds nodes.</summary>
        public static Dim DimOf(Node n, IReadOnlyList<Dim> dims)
        {
            switch (n.Op)
            {
                case OpKind.Input: return Dim.Input;
                case OpKind.Const: return Dim.Any;
                case OpKind.State:
                case OpKind.Dense:
                case OpKind.Bias:
                case OpKind.Diag: return Dim.Hidden;
                default:
                    var d = Dim.Any;
                    foreach (int a in n.Args) d = Join(d, dims[a]);
                    return d;
            }
        }

        private static Dim Join(Dim a, Dim b) => a == Dim.Any ? b : b == Dim.Any ? a : a == b ? a : Dim.Hidden;

        /// <summary>
        /// Why this cell needs input size == hidden size: the first elementwise op mixing x-sized and hidden-sized
        /// values, or the first state taking an x-sized value; null when any sizes work.
        /// The printer words it for a message (DslPrinter.SquareRequirement): the graph does not depend on the printer.
        /// </summary>
        public static SizeConflict? SquareRequirement(CellGraph g)
        {
            var dims = Dims(g);
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                var n = g.Nodes[i];
                bool hasInput = false, hasHidden = n.Op == OpKind.Diag;
                foreach (int a in n.Args)
                {
                    if (dims[a] == Dim.Input) hasInput = true;
                    if (dims[a] == Dim.Hidden) hasHidden = true;
                }
                if (n.Op != OpKind.Dense && hasInput && hasHidden) return new SizeConflict(i, -1);
            }
            for (int k = 0; k < g.StateCount; k++)
                if (dims[g.Next[k]] == Dim.Input) return new SizeConflict(g.Next[k], k);
            return null;
        }

        /// <summary>Structural errors (bad indices, wrong arities, constant states). Empty when the graph is well formed.
        /// The parser never produces such graphs; mutated or deserialized graphs are checked with this.</summary>
        public static List<string> Validate(CellGraph g)
        {
            var errors = new List<string>();
            if (g.StateCount == 0) errors.Add("the cell has no state");
            if (g.OutputState < 0 || g.OutputState >= g.StateCount) errors.Add("the output state index is out of range");
            if (g.Next.Count != g.StateCount) errors.Add("every state needs exactly one next value");
            var paramUse = new int[g.Parameters.Count];
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                var n = g.Nodes[i];
                if (!Ops.IsKnown(n.Op)) { errors.Add($"node {i} has an unknown operation ({(int)n.Op})"); continue; }
                foreach (int a in n.Args)
                    if (a < 0 || a >= i) errors.Add($"node {i} reads node {a}, which is not an earlier node");
                int arity = Ops.Of(n.Op).Arity;
                if (n.Args.Count != arity) errors.Add($"node {i} ({n.Op}) has {n.Args.Count} operands, expected {arity}");
                bool needsParam = n.Op is OpKind.Dense or OpKind.Bias or OpKind.Diag;
                if (needsParam != (n.Param >= 0)) errors.Add($"node {i} ({n.Op}) has a wrong parameter reference");
                if (n.Param >= g.Parameters.Count || n.Param2 >= g.Parameters.Count) errors.Add($"node {i} references a missing parameter");
                if (n.Param >= 0 && n.Param < g.Parameters.Count) paramUse[n.Param]++;
                if (n.Param2 >= 0 && n.Param2 < g.Parameters.Count) paramUse[n.Param2]++;
                if (n.Op == OpKind.State && (n.State < 0 || n.State >= g.StateCount)) errors.Add($"node {i} reads a missing state");
                if (n.Param2 >= 0 && n.Op != OpKind.Dense) errors.Add($"node {i} ({n.Op}) cannot carry a second parameter");
            }
            for (int p = 0; p < paramUse.Length; p++)
                if (paramUse[p] != 1) errors.Add($"parameter '{g.Parameters[p].Name}' is used by {paramUse[p]} nodes, expected 1");
            var names = new HashSet<string>();
            foreach (var p in g.Parameters)
                if (!names.Add(p.Name)) errors.Add($"parameter name '{p.Name}' is used twice");
            if (errors.Count > 0) return errors;

            var dims = Dims(g);
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                var n = g.Nodes[i];
                if (n.Op == OpKind.Dense)
                {
                    var p = g.Parameters[n.Param];
                    var operand = g.Nodes[n.Args[0]].Op;
                    if (operand is OpKind.Const or OpKind.Bias) errors.Add($"node {i} projects a {(operand == OpKind.Const ? "constant" : "bare bias")}");
                    else if (p.Kind != ParamKind.Dense || p.In != dims[n.Args[0]]) errors.Add($"node {i}: weight '{p.Name}' does not match its operand's size");
                    if (n.Param2 >= 0 && g.Parameters[n.Param2].Kind != ParamKind.Bias) errors.Add($"node {i}: '{g.Parameters[n.Param2].Name}' is not a bias");
                }
                if (n.Op != OpKind.Const && dims[i] == Dim.Any) errors.Add($"node {i} ({n.Op}) computes on constants only; fold it into a constant");
                if (n.Op == OpKind.Bias && g.Parameters[n.Param].Kind != ParamKind.Bias) errors.Add($"node {i}: '{g.Parameters[n.Param].Name}' is not a bias");
                if (n.Op == OpKind.Diag && g.Parameters[n.Param].Kind != ParamKind.Diag) errors.Add($"node {i}: '{g.Parameters[n.Param].Name}' is not a diagonal weight");
            }
            for (int k = 0; k < g.StateCount; k++)
            {
                int next = g.Next[k];
                if (next < 0 || next >= g.Nodes.Count) errors.Add($"state '{g.States[k]}' has no next value");
                else if (dims[next] == Dim.Any) errors.Add($"state '{g.States[k]}' is assigned a constant");
                else if (g.Nodes[next].Op == OpKind.Bias) errors.Add($"state '{g.States[k]}' is assigned a bare bias");
            }
            return errors;
        }

        /// <summary>Nodes from which some state's next value can be reached; the rest is dead code.</summary>
        public static bool[] Live(CellGraph g)
        {
            var live = new bool[g.Nodes.Count];
            var stack = new Stack<int>();
            foreach (int n in g.Next) { if (n >= 0 && n < live.Length && !live[n]) { live[n] = true; stack.Push(n); } }
            while (stack.Count > 0)
            {
                foreach (int a in g.Nodes[stack.Pop()].Args)
                    if (!live[a]) { live[a] = true; stack.Push(a); }
            }
            return live;
        }
    }
}
