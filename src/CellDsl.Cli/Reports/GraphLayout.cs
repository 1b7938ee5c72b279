using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CellDsl.Compiler.Graph;

namespace CellDsl.Cli.Reports
{
    /// <summary>What a drawn box stands for; the report colours each kind.</summary>
    public enum BoxKind { Input, State, Constant, Parameter, Projection, Op, Activation, Output }

    /// <summary>One box of a cell drawing: a live graph node, or a state's next value (<see cref="GraphNode"/> -1).</summary>
    /// <param name="Label">What the box says: x, h, W_x_f, +, σ, h′ ...</param>
    /// <param name="Layer">Its row, 0 at the top.</param>
    /// <param name="Op">The node's op; null for a new state.</param>
    public sealed record Box(int GraphNode, string Label, BoxKind Kind, int Layer, OpKind? Op);

    /// <summary>An operand edge: box <see cref="From"/>'s value is operand <see cref="Operand"/> of box <see cref="To"/>
    /// (0 for an output's edge).</summary>
    public sealed record OperandEdge(int From, int To, int Operand);

    /// <summary>
    /// A layered drawing of a cell graph, top to bottom (Sugiyama's scheme, small): the inputs and previous states in the
    /// top row, every op one row below its lowest operand (longest-path layering), biases and constants just above
    /// their first reader, the new states in the bottom row. An edge spanning several rows passes through a virtual
    /// point in each row between, and rows are ordered by barycentre sweeps (each vertex at the mean position of its
    /// neighbours in the row above, then below), keeping the order with the fewest crossings seen. Last, each vertex
    /// moves toward the mean x of its neighbours as far as its row's order and gaps allow, so long edges run straight.
    /// </summary>
    public sealed class GraphLayout
    {
        public const double BoxHeight = 26, RowGap = 44, BoxGap = 18, VirtualWidth = 6, Margin = 12;

        private readonly List<int>[] _rows;          // per row, its vertices in drawing order (boxes, then virtual points)
        private readonly int[] _layer;                // per vertex
        private readonly List<(int From, int To)> _segments;
        private readonly double[] _x;                 // centre of each vertex

        private GraphLayout(List<Box> boxes, List<OperandEdge> edges, int[] layer, List<(int, int)> segments, List<List<int>> chains)
        {
            Boxes = boxes;
            Edges = edges;
            _layer = layer;
            _segments = segments;
            Chains = chains;
            _rows = Enumerable.Range(0, layer.Length == 0 ? 0 : layer.Max() + 1).Select(_ => new List<int>()).ToArray();
            for (int v = 0; v < layer.Length; v++) _rows[layer[v]].Add(v);
            IndexOrderCrossings = Crossings();
            Order();
            _x = new double[layer.Length];
            Place();
        }

        public IReadOnlyList<Box> Boxes { get; }
        public IReadOnlyList<OperandEdge> Edges { get; }

        /// <summary>Per edge, the vertices it passes: its two boxes and the virtual points between (ids from Boxes.Count).</summary>
        public IReadOnlyList<List<int>> Chains { get; }

        public int Rows => _rows.Length;

        /// <summary>Crossings between adjacent rows with every row in graph order, before the sweeps.</summary>
        public int IndexOrderCrossings { get; }

        public double Width { get; private set; }
        public double Height => Margin * 2 + Rows * BoxHeight + Math.Max(0, Rows - 1) * RowGap;

        /// <summary>The drawing order of the vertices of a row.</summary>
        public IReadOnlyList<int> Row(int layer) => _rows[layer];

        public double X(int vertex) => _x[vertex];
        public double Y(int vertex) => Margin + _layer[vertex] * (BoxHeight + RowGap) + BoxHeight / 2;
        public double BoxWidth(int vertex) => vertex < Boxes.Count ? Math.Max(34, 7.2 * Boxes[vertex].Label.Length + 14) : VirtualWidth;

        public static GraphLayout Of(CellGraph g)
        {
            ArgumentNullException.ThrowIfNull(g);
            var live = GraphAnalysis.Live(g);
            var boxOf = new int[g.Nodes.Count];
            var boxes = new List<Box>();
            var consumers = g.Consumers();
            var layerOfNode = new int[g.Nodes.Count];
            // Longest path from the top row; biases and constants are placed after their readers.
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                boxOf[i] = -1;
                if (!live[i]) continue;
                var n = g.Nodes[i];
                layerOfNode[i] = n.IsLeaf ? 0 : n.Args.Max(a => g.Nodes[a].Op is OpKind.Bias or OpKind.Const ? 0 : layerOfNode[a]) + 1;
            }
            for (int i = g.Nodes.Count - 1; i >= 0; i--)
                if (live[i] && g.Nodes[i].Op is OpKind.Bias or OpKind.Const)
                    layerOfNode[i] = consumers[i].Where(c => live[c]).Select(c => layerOfNode[c]).DefaultIfEmpty(1).Min() - 1;
            int bottom = Enumerable.Range(0, g.Nodes.Count).Where(i => live[i]).Select(i => layerOfNode[i]).DefaultIfEmpty(0).Max() + 1;

            for (int i = 0; i < g.Nodes.Count; i++)
                if (live[i])
                {
                    boxOf[i] = boxes.Count;
                    var (label, kind) = Describe(g, i);
                    boxes.Add(new Box(i, label, kind, layerOfNode[i], g.Nodes[i].Op));
                }
            var edges = new List<OperandEdge>();
            for (int i = 0; i < g.Nodes.Count; i++)
                if (live[i])
                    for (int a = 0; a < g.Nodes[i].Args.Count; a++) edges.Add(new OperandEdge(boxOf[g.Nodes[i].Args[a]], boxOf[i], a));
            for (int k = 0; k < g.StateCount; k++)
            {
                string mark = k == g.OutputState && g.StateCount > 1 ? " (output)" : "";
                edges.Add(new OperandEdge(boxOf[g.Next[k]], boxes.Count, 0));
                boxes.Add(new Box(-1, g.States[k] + "′" + mark, BoxKind.Output, bottom, null));
            }

            var layer = boxes.Select(b => b.Layer).ToList();
            var segments = new List<(int, int)>();
            var chains = new List<List<int>>();
            foreach (var e in edges)
            {
                var chain = new List<int> { e.From };
                for (int l = boxes[e.From].Layer + 1; l < boxes[e.To].Layer; l++)
                {
                    chain.Add(layer.Count);
                    layer.Add(l);
                }
                chain.Add(e.To);
                for (int s = 0; s + 1 < chain.Count; s++) segments.Add((chain[s], chain[s + 1]));
                chains.Add(chain);
            }
            return new GraphLayout(boxes, edges, layer.ToArray(), segments, chains);
        }

        /// <summary>Edge crossings between adjacent rows in the current order: two segments between the same rows cross
        /// when their ends are in opposite orders.</summary>
        public int Crossings()
        {
            var position = Positions();
            int crossings = 0;
            foreach (var group in _segments.GroupBy(s => _layer[s.From]))
            {
                var list = group.ToList();
                for (int a = 0; a < list.Count; a++)
                    for (int b = a + 1; b < list.Count; b++)
                        if ((position[list[a].From] - position[list[b].From]) * (position[list[a].To] - position[list[b].To]) < 0) crossings++;
            }
            return crossings;
        }

        private int[] Positions()
        {
            var position = new int[_layer.Length];
            foreach (var row in _rows)
                for (int p = 0; p < row.Count; p++) position[row[p]] = p;
            return position;
        }

        private void Order()
        {
            var above = new List<int>[_layer.Length];
            var below = new List<int>[_layer.Length];
            for (int v = 0; v < _layer.Length; v++) { above[v] = new List<int>(); below[v] = new List<int>(); }
            foreach (var (from, to) in _segments) { below[from].Add(to); above[to].Add(from); }

            var best = _rows.Select(r => r.ToList()).ToArray();
            int fewest = IndexOrderCrossings;
            for (int sweep = 0; sweep < 12 && fewest > 0; sweep++)
            {
                bool down = sweep % 2 == 0;
                for (int i = 1; i < _rows.Length; i++)
                {
                    int l = down ? i : _rows.Length - 1 - i;
                    var position = Positions();
                    var neighbours = down ? above : below;
                    var row = _rows[l];
                    // A vertex without neighbours on that side keeps its place; the sort is stable for ties.
                    var key = row.ToDictionary(v => v, v => neighbours[v].Count == 0 ? position[v] : neighbours[v].Average(u => (double)position[u]));
                    var sorted = row.OrderBy(v => key[v]).ToList();
                    row.Clear();
                    row.AddRange(sorted);
                }
                int now = Crossings();
                if (now < fewest)
                {
                    fewest = now;
                    best = _rows.Select(r => r.ToList()).ToArray();
                }
            }
            for (int l = 0; l < _rows.Length; l++) { _rows[l].Clear(); _rows[l].AddRange(best[l]); }
        }

        // Rows start packed and centred on the widest; then each vertex moves towards the mean x of its neighbours in
        // the row above (then below), as far as the order and the gaps of its row allow, so long edges run straight.
        private void Place()
        {
            var widths = _rows.Select(r => r.Sum(BoxWidth) + Math.Max(0, r.Count - 1) * BoxGap).ToArray();
            double widest = widths.DefaultIfEmpty(0).Max();
            for (int l = 0; l < _rows.Length; l++)
            {
                double x = (widest - widths[l]) / 2;
                foreach (int v in _rows[l])
                {
                    _x[v] = x + BoxWidth(v) / 2;
                    x += BoxWidth(v) + BoxGap;
                }
            }
            var above = new List<int>[_layer.Length];
            var below = new List<int>[_layer.Length];
            for (int v = 0; v < _layer.Length; v++) { above[v] = new List<int>(); below[v] = new List<int>(); }
            foreach (var (from, to) in _segments) { below[from].Add(to); above[to].Add(from); }
            for (int pass = 0; pass < 8; pass++)
            {
                bool down = pass % 2 == 0;
                for (int i = 0; i < _rows.Length; i++)
                {
                    var row = _rows[down ? i : _rows.Length - 1 - i];
                    var neighbours = down ? above : below;
                    var wanted = row.Select(v => neighbours[v].Count == 0 ? _x[v] : neighbours[v].Average(u => _x[u])).ToArray();
                    Spread(row, wanted);
                }
            }
            double left = Enumerable.Range(0, _layer.Length).Select(v => _x[v] - BoxWidth(v) / 2).DefaultIfEmpty(0).Min();
            for (int v = 0; v < _layer.Length; v++) _x[v] += Margin - left;
            Width = Enumerable.Range(0, _layer.Length).Select(v => _x[v] + BoxWidth(v) / 2).DefaultIfEmpty(0).Max() + Margin;
        }

        // The row's vertices as near their wanted centres as the row's order and gaps allow: the mean of the row pushed
        // rightwards from its left end and leftwards from its right end (both keep order and gaps, so their mean does).
        private void Spread(List<int> row, double[] wanted)
        {
            int n = row.Count;
            if (n == 0) return;
            double Gap(int i) => (BoxWidth(row[i - 1]) + BoxWidth(row[i])) / 2 + BoxGap;
            var right = new double[n];
            var left = new double[n];
            for (int i = 0; i < n; i++) right[i] = i == 0 ? wanted[0] : Math.Max(wanted[i], right[i - 1] + Gap(i));
            for (int i = n - 1; i >= 0; i--) left[i] = i == n - 1 ? wanted[i] : Math.Min(wanted[i], left[i + 1] - Gap(i + 1));
            for (int i = 0; i < n; i++) _x[row[i]] = (right[i] + left[i]) / 2;
        }

        private static (string Label, BoxKind Kind) Describe(CellGraph g, int i)
        {
            var n = g.Nodes[i];
            string Named(string symbol) => n.Name is { } name && !g.States.Contains(name) ? $"{name} = {symbol}" : symbol;
            string Value(float v) => v.ToString("0.###", CultureInfo.InvariantCulture);
            return n.Op switch
            {
                OpKind.Input => (g.InputName, BoxKind.Input),
                OpKind.State => (g.States[n.State], BoxKind.State),
                OpKind.Const => (Value(n.Value), BoxKind.Constant),
                OpKind.Bias => (g.Parameters[n.Param].Name, BoxKind.Parameter),
                OpKind.Dense when n.Param2 >= 0 || g.Parameters[n.Param].InitKind == Compiler.Graph.InitKind.SmallPlusDiagonal
                    => (Named($"Linear({Value(g.Parameters[n.Param].Init)}) {g.Parameters[n.Param].Name}"), BoxKind.Projection),
                OpKind.Dense => (Named(g.Parameters[n.Param].Name + "·"), BoxKind.Projection),
                OpKind.Diag => (Named(g.Parameters[n.Param].Name + "⊙"), BoxKind.Projection),
                OpKind.Add => (Named("+"), BoxKind.Op),
                OpKind.Sub => (Named("−"), BoxKind.Op),
                OpKind.Mul => (Named("×"), BoxKind.Op),
                OpKind.Neg => (Named("neg"), BoxKind.Op),
                OpKind.Sigmoid => (Named("σ"), BoxKind.Activation),
                OpKind.Tanh => (Named("tanh"), BoxKind.Activation),
                OpKind.Relu => (Named("relu"), BoxKind.Activation),
                _ => throw new ArgumentOutOfRangeException(nameof(g), n.Op, $"node {i}: not an op of the IR"),
            };
        }
    }
}
