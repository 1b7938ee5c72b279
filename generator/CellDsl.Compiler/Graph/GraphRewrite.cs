using System;
using System.Collections.Generic;
using System.Linq;

namespace CellDsl.Compiler.Graph
{
    /// <summary>
    /// Edits of a cell graph that keep it in topological order: the search's mutations and the builder's last step.
    /// Each returns a new graph; node references (operands, <see cref="CellGraph.Next"/>) are renumbered as needed.
    /// An edit that would break the order (an operand that is not an earlier node) is an ArgumentException.
    /// Parameters are not checked here: <see cref="GraphAnalysis.Validate"/> is the gate for what comes out.
    /// </summary>
    public static class GraphRewrite
    {
        /// <summary>Node <paramref name="node"/> reads <paramref name="with"/> as its operand number <paramref name="operand"/>.</summary>
        public static CellGraph ReplaceOperand(CellGraph g, int node, int operand, int with)
        {
            CheckNode(g, node, nameof(node));
            var n = g.Nodes[node];
            if (operand < 0 || operand >= n.Args.Count)
                throw new ArgumentOutOfRangeException(nameof(operand), operand, $"node {node} ({n.Op}) has {n.Args.Count} operand(s)");
            CheckEarlier(g, with, node, nameof(with));
            var args = n.Args.ToArray();
            args[operand] = with;
            return g with { Nodes = Replace(g.Nodes, node, n with { Args = args.ToEquatableArray() }) };
        }

        /// <summary>State <paramref name="state"/> takes the value of node <paramref name="with"/> at the end of the step.</summary>
        public static CellGraph ReplaceNext(CellGraph g, int state, int with)
        {
            if (state < 0 || state >= g.Next.Count) throw new ArgumentOutOfRangeException(nameof(state), state, $"the cell has {g.Next.Count} state(s)");
            CheckNode(g, with, nameof(with));
            var next = g.Next.ToArray();
            next[state] = with;
            return g with { Next = next.ToEquatableArray() };
        }

        /// <summary>Appends a parameter (for a node about to be inserted); <paramref name="index"/> is its index.</summary>
        public static CellGraph AddParameter(CellGraph g, Parameter p, out int index)
        {
            index = g.Parameters.Count;
            return g with { Parameters = g.Parameters.Concat(new[] { p }).ToEquatableArray() };
        }

        /// <summary>
        /// Inserts <paramref name="node"/> at index <paramref name="at"/> (0 ≤ at ≤ node count); the nodes from there on
        /// move up by one. Its operands must be earlier nodes (indices below <paramref name="at"/>). Nothing reads the
        /// new node yet: <see cref="ReplaceOperand"/> or <see cref="ReplaceNext"/> splices it in.
        /// </summary>
        public static CellGraph InsertNode(CellGraph g, int at, Node node)
        {
            if (at < 0 || at > g.Nodes.Count) throw new ArgumentOutOfRangeException(nameof(at), at, $"insert at 0..{g.Nodes.Count}");
            foreach (int a in node.Args) CheckEarlier(g, a, at, nameof(node));
            int Shift(int i) => i >= at ? i + 1 : i;
            var nodes = new List<Node>(g.Nodes.Count + 1);
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                if (i == at) nodes.Add(node);
                var n = g.Nodes[i];
                nodes.Add(n with { Args = n.Args.Select(Shift).ToEquatableArray() });
            }
            if (at == g.Nodes.Count) nodes.Add(node);
            return g with { Nodes = nodes.ToEquatableArray(), Next = g.Next.Select(Shift).ToEquatableArray() };
        }

        /// <summary>
        /// Removes node <paramref name="node"/>: whatever read it (operands, states) reads the earlier node
        /// <paramref name="replacement"/> instead. Its parameters go with it; its operands stay, dead if nothing else
        /// reads them (<see cref="DropDeadNodes"/>).
        /// </summary>
        public static CellGraph RemoveNode(CellGraph g, int node, int replacement)
        {
            CheckNode(g, node, nameof(node));
            CheckEarlier(g, replacement, node, nameof(replacement));
            int Redirect(int i) => i == node ? replacement : i;
            var redirected = g with
            {
                Nodes = g.Nodes.Select(n => n with { Args = n.Args.Select(Redirect).ToEquatableArray() }).ToEquatableArray(),
                Next = g.Next.Select(Redirect).ToEquatableArray(),
            };
            return Renumber(redirected, Enumerable.Range(0, g.Nodes.Count).Where(i => i != node).ToList());
        }

        /// <summary>Keeps what some state's next value depends on, renumbered in order; drops dead nodes and their parameters.</summary>
        public static CellGraph DropDeadNodes(CellGraph g)
        {
            var live = GraphAnalysis.Live(g);
            return Renumber(g, Enumerable.Range(0, g.Nodes.Count).Where(i => live[i]).ToList());
        }

        /// <summary>
        /// The graph with the nodes <paramref name="order"/> lists (old indices, in their new order, which must be a
        /// topological order), and the parameters they use, in order of first use (a node's Param before its Param2).
        /// A node left out must be read by none of those kept.
        /// </summary>
        public static CellGraph Renumber(CellGraph g, IReadOnlyList<int> order)
        {
            var newIndex = Enumerable.Repeat(-1, g.Nodes.Count).ToArray();
            var newParam = Enumerable.Repeat(-1, g.Parameters.Count).ToArray();
            var nodes = new List<Node>(order.Count);
            var parameters = new List<Parameter>();
            int MapParam(int p)
            {
                if (p < 0) return -1;
                if (p >= g.Parameters.Count) throw new ArgumentException($"a node references parameter {p}, but the cell has {g.Parameters.Count}", nameof(g));
                if (newParam[p] < 0) { newParam[p] = parameters.Count; parameters.Add(g.Parameters[p]); }
                return newParam[p];
            }
            int MapNode(int i, string what)
            {
                if (i < 0 || i >= newIndex.Length || newIndex[i] < 0)
                    throw new ArgumentException($"{what} reads node {i}, which is not kept before it", nameof(order));
                return newIndex[i];
            }
            foreach (int i in order)
            {
                CheckNode(g, i, nameof(order));
                if (newIndex[i] >= 0) throw new ArgumentException($"node {i} is listed twice", nameof(order));
                var n = g.Nodes[i];
                var args = n.Args.Select(a => MapNode(a, $"node {i}")).ToEquatableArray();
                newIndex[i] = nodes.Count;
                nodes.Add(n with { Args = args, Param = MapParam(n.Param), Param2 = MapParam(n.Param2) });
            }
            return g with
            {
                Nodes = nodes.ToEquatableArray(),
                Parameters = parameters.ToEquatableArray(),
                Next = g.Next.Select((n, k) => MapNode(n, $"state {k}")).ToEquatableArray(),
            };
        }

        private static EquatableArray<Node> Replace(EquatableArray<Node> nodes, int at, Node n)
        {
            var copy = nodes.ToArray();
            copy[at] = n;
            return copy.ToEquatableArray();
        }

        private static void CheckNode(CellGraph g, int node, string argument)
        {
            if (node < 0 || node >= g.Nodes.Count) throw new ArgumentOutOfRangeException(argument, node, $"the cell has {g.Nodes.Count} node(s)");
        }

        private static void CheckEarlier(CellGraph g, int operand, int reader, string argument)
        {
            if (operand < 0 || operand >= Math.Min(reader, g.Nodes.Count))
                throw new ArgumentException($"node {operand} cannot be read at position {reader}: an operand must be an earlier node", argument);
        }
    }
}
