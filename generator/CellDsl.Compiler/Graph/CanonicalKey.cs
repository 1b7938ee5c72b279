using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace CellDsl.Compiler.Graph
{
    /// <summary>
    /// A text that two cells share exactly when they compute the same thing up to naming, the order their equations
    /// are written in and the operand order of + and *: the search's deduplication key. Names (of the cell, its input,
    /// states, locals and parameters) are left out, dead nodes dropped, nodes listed in a canonical topological order
    /// (depth first from each state's next value, operands of + and * in the order of their structural hashes), and
    /// parameters described by what they are (kind, operand size, initialiser). State order and the output state stay:
    /// they are the cell's interface.
    /// </summary>
    public static class CanonicalKey
    {
        public static string Of(CellGraph graph)
        {
            var g = GraphRewrite.DropDeadNodes(graph);
            var hashes = Hashes(g);

            // Post-order from the states' next values; visiting operands by hash makes the order independent of how
            // the cell was written. Equal hashes are equal subtrees, so their relative order does not matter.
            var order = new List<int>();
            var index = Enumerable.Repeat(-1, g.Nodes.Count).ToArray();
            var stack = new Stack<(int Node, bool Expanded)>();
            foreach (int root in g.Next.Reverse()) stack.Push((root, false));
            while (stack.Count > 0)
            {
                var (n, expanded) = stack.Pop();
                if (index[n] >= 0) continue;
                if (expanded) { index[n] = order.Count; order.Add(n); continue; }
                stack.Push((n, true));
                foreach (int a in Operands(g, n, hashes).Reverse()) if (index[a] < 0) stack.Push((a, false));
            }

            var sb = new StringBuilder();
            sb.Append("states ").Append(g.StateCount.ToString(CultureInfo.InvariantCulture))
              .Append(" output ").Append(g.OutputState.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (int n in order)
            {
                sb.Append(Describe(g, n));
                foreach (int a in Operands(g, n, hashes)) sb.Append(' ').Append(index[a].ToString(CultureInfo.InvariantCulture));
                sb.Append('\n');
            }
            sb.Append("next");
            foreach (int n in g.Next) sb.Append(' ').Append(index[n].ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>Whether swapping the operands keeps the value.</summary>
        public static bool IsCommutative(OpKind op) => Ops.Of(op).IsCommutative;

        private static IEnumerable<int> Operands(CellGraph g, int n, string[] hashes)
        {
            var node = g.Nodes[n];
            return IsCommutative(node.Op) ? node.Args.OrderBy(a => hashes[a], StringComparer.Ordinal) : (IEnumerable<int>)node.Args;
        }

        /// <summary>A structural hash per node: what it is and, recursively, what its operands are.</summary>
        private static string[] Hashes(CellGraph g)
        {
            var hashes = new string[g.Nodes.Count];
            using var sha = SHA256.Create();
            for (int i = 0; i < hashes.Length; i++)
            {
                var args = g.Nodes[i].Args.Select(a => hashes[a]);
                if (IsCommutative(g.Nodes[i].Op)) args = args.OrderBy(h => h, StringComparer.Ordinal);
                string signature = Describe(g, i) + "(" + string.Join(",", args) + ")";
                var digest = sha.ComputeHash(Encoding.UTF8.GetBytes(signature));
                hashes[i] = BitConverter.ToString(digest, 0, 16).Replace("-", "");
            }
            return hashes;
        }

        /// <summary>A node without its operands and names: op, constant, state index, parameters by kind and initialiser.</summary>
        private static string Describe(CellGraph g, int i)
        {
            var n = g.Nodes[i];
            var sb = new StringBuilder(n.Op.ToString());
            if (n.Op == OpKind.Const) sb.Append(' ').Append(Bits(n.Value));
            if (n.Op == OpKind.State) sb.Append(' ').Append(n.State.ToString(CultureInfo.InvariantCulture));
            if (n.Param >= 0) sb.Append(' ').Append(Describe(g.Parameters[n.Param]));
            if (n.Param2 >= 0) sb.Append(' ').Append(Describe(g.Parameters[n.Param2]));
            return sb.ToString();
        }

        private static string Describe(Parameter p) => $"[{p.Kind} {p.In} {p.InitKind} {Bits(p.Init)}]";

        // The exact float (0f and -0f, and every NaN payload, differ), without culture or rounding.
        private static string Bits(float f) => BitConverter.ToInt32(BitConverter.GetBytes(f), 0).ToString("x8", CultureInfo.InvariantCulture);
    }
}
