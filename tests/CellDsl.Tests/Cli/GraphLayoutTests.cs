using CellDsl.Cli.Reports;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Mutation;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>The report's layered drawing of a cell graph, on every zoo cell and on mutants.</summary>
public sealed class GraphLayoutTests
{
    public static TheoryData<string> ZooCells => new(CellZoo.All.Select(e => e.Name));

    private static CellGraph Zoo(string name) => Baselines.Of(name);

    [Theory]
    [MemberData(nameof(ZooCells))]
    public void Every_live_node_and_every_new_state_is_one_box_and_every_operand_one_edge(string cell)
    {
        var g = Zoo(cell);
        var layout = GraphLayout.Of(g);
        var live = GraphAnalysis.Live(g);
        var liveNodes = Enumerable.Range(0, g.Nodes.Count).Where(i => live[i]).ToList();
        Assert.Equal(liveNodes.Count + g.StateCount, layout.Boxes.Count);
        Assert.Equal(liveNodes, layout.Boxes.Where(b => b.GraphNode >= 0).Select(b => b.GraphNode));
        Assert.Equal(g.StateCount, layout.Boxes.Count(b => b.Kind == BoxKind.Output));
        Assert.Equal(liveNodes.Sum(i => g.Nodes[i].Args.Count) + g.StateCount, layout.Edges.Count);
        // Each state's box is fed by the node the state takes.
        var outputs = layout.Boxes.Select((b, i) => (b, i)).Where(x => x.b.Kind == BoxKind.Output).Select(x => x.i).ToList();
        for (int k = 0; k < g.StateCount; k++)
            Assert.Equal(g.Next[k], layout.Boxes[layout.Edges.Single(e => e.To == outputs[k]).From].GraphNode);
    }

    [Theory]
    [MemberData(nameof(ZooCells))]
    public void Edges_run_down_one_row_at_a_time_from_the_inputs_at_the_top_to_the_new_states_at_the_bottom(string cell)
    {
        var layout = GraphLayout.Of(Zoo(cell));
        int Row(int vertex) => Enumerable.Range(0, layout.Rows).Single(r => layout.Row(r).Contains(vertex));
        for (int e = 0; e < layout.Edges.Count; e++)
        {
            var chain = layout.Chains[e];
            Assert.Equal(layout.Edges[e].From, chain[0]);
            Assert.Equal(layout.Edges[e].To, chain[^1]);
            for (int s = 1; s < chain.Count; s++) Assert.Equal(Row(chain[s - 1]) + 1, Row(chain[s]));
        }
        Assert.All(layout.Boxes.Where(b => b.Kind is BoxKind.Input or BoxKind.State), b => Assert.Equal(0, b.Layer));
        Assert.All(layout.Boxes.Where(b => b.Kind == BoxKind.Output), b => Assert.Equal(layout.Rows - 1, b.Layer));
        Assert.All(layout.Boxes.Where(b => b.Kind != BoxKind.Output), b => Assert.True(b.Layer < layout.Rows - 1));
    }

    [Theory]
    [MemberData(nameof(ZooCells))]
    public void Boxes_of_a_row_keep_their_order_apart_and_inside_the_drawing(string cell)
    {
        var layout = GraphLayout.Of(Zoo(cell));
        for (int r = 0; r < layout.Rows; r++)
        {
            var row = layout.Row(r);
            for (int i = 1; i < row.Count; i++)
            {
                double gap = layout.X(row[i]) - layout.BoxWidth(row[i]) / 2 - (layout.X(row[i - 1]) + layout.BoxWidth(row[i - 1]) / 2);
                Assert.True(gap >= GraphLayout.BoxGap - 1e-9, $"{cell}: row {r}, vertices {row[i - 1]} and {row[i]} are {gap:0.#} apart");
            }
            foreach (int v in row)
            {
                Assert.True(layout.X(v) - layout.BoxWidth(v) / 2 >= GraphLayout.Margin - 1e-9);
                Assert.True(layout.X(v) + layout.BoxWidth(v) / 2 <= layout.Width - GraphLayout.Margin + 1e-9);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ZooCells))]
    public void Barycentre_ordering_never_crosses_more_edges_than_graph_order(string cell)
    {
        var layout = GraphLayout.Of(Zoo(cell));
        Assert.True(layout.Crossings() <= layout.IndexOrderCrossings, $"{cell}: {layout.Crossings()} crossings, {layout.IndexOrderCrossings} in graph order");
    }

    [Fact]
    public void Barycentre_ordering_uncrosses_projections_declared_in_the_opposite_order_of_their_operands()
    {
        // x, h in the top row; W(h) declared before W(x): in graph order the two edges cross.
        var g = GraphText.Read("""
            cell Crossed
            input x
            state h
            output h
            param W_h dense hidden uniform 0
            param W_x dense input uniform 0
            node 0 input
            node 1 state h
            node 2 dense W_h 1
            node 3 dense W_x 0
            node 4 add 2 3
            next h 4
            """);
        var layout = GraphLayout.Of(g);
        Assert.Equal(1, layout.IndexOrderCrossings);
        Assert.Equal(0, layout.Crossings());
    }

    [Fact]
    public void Mutants_of_the_baselines_lay_out_with_every_edge_running_down()
    {
        var parents = new[] { Baselines.Lstm, Baselines.Gru };
        for (long seed = 1; seed <= 40; seed++)
        {
            var g = Mutator.Mutate(parents[seed % 2], seed).Graph;
            var layout = GraphLayout.Of(g);
            Assert.All(layout.Edges, e => Assert.True(layout.Boxes[e.From].Layer < layout.Boxes[e.To].Layer, $"seed {seed}: edge {e}"));
            Assert.True(layout.Crossings() <= layout.IndexOrderCrossings);
        }
    }
}
