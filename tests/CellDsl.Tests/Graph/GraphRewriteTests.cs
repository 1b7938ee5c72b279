using CellDsl.Compiler;
using CellDsl.Compiler.Graph;
using Xunit;

namespace CellDsl.Tests.Graph;

/// <summary>Rewrites (the search's mutations) give the graph the parser makes of the rewritten declaration.</summary>
public class GraphRewriteTests
{
    private static readonly CellGraph Rnn = ParsedCells.Body("h = Tanh(W(x) + W(h) + B());");
    private static readonly CellGraph NegatedRnn = ParsedCells.Body("h = Tanh(-(W(x) + W(h) + B()));");

    private static int Find(CellGraph g, OpKind op) => g.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Op == op).i;

    /// <summary>-(...) spliced in between the sum and the tanh.</summary>
    private static CellGraph InsertNegation(CellGraph g)
    {
        int tanh = Find(g, OpKind.Tanh), sum = g.Nodes[tanh].Args[0];
        var inserted = GraphRewrite.InsertNode(g, tanh, new Node(OpKind.Neg, new[] { sum }.ToEquatableArray()));
        return GraphRewrite.ReplaceOperand(inserted, tanh + 1, 0, tanh);
    }

    [Fact]
    public void Inserting_a_node_and_replacing_an_operand_splices_it_in()
    {
        Assert.Equal(NegatedRnn, InsertNegation(Rnn));
        Assert.Empty(GraphAnalysis.Validate(InsertNegation(Rnn)));
    }

    [Fact]
    public void Removing_a_node_redirects_its_readers_to_the_replacement()
    {
        int neg = Find(NegatedRnn, OpKind.Neg);
        Assert.Equal(Rnn, GraphRewrite.RemoveNode(NegatedRnn, neg, NegatedRnn.Nodes[neg].Args[0]));
    }

    [Fact]
    public void Removing_a_projection_takes_its_parameter_along()
    {
        // W(h) removed, its reader redirected to W(x): the cell no longer reads its state.
        var g = ParsedCells.Body("h = Tanh(W(x) + W(h) + B());");
        int wh = g.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Op == OpKind.Dense && g.Nodes[p.n.Args[0]].Op == OpKind.State).i;
        int wx = g.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Op == OpKind.Dense && g.Nodes[p.n.Args[0]].Op == OpKind.Input).i;
        var removed = GraphRewrite.DropDeadNodes(GraphRewrite.RemoveNode(g, wh, wx));
        Assert.Equal(["W_x_h", "b_h"], removed.Parameters.Select(p => p.Name));
        Assert.DoesNotContain(removed.Nodes, n => n.Op == OpKind.State);
        Assert.Empty(GraphAnalysis.Validate(removed));
        Assert.Equal(CanonicalKey.Of(ParsedCells.Body("var a = W(x); h = Tanh(a + a + B());")), CanonicalKey.Of(removed));
    }

    [Fact]
    public void Dropping_dead_nodes_removes_what_no_state_reads()
    {
        int tanh = Find(Rnn, OpKind.Tanh);
        var withDead = GraphRewrite.InsertNode(Rnn, tanh, new Node(OpKind.Sigmoid, new[] { 0 }.ToEquatableArray()));
        Assert.Equal(Rnn.Nodes.Count + 1, withDead.Nodes.Count);
        Assert.Equal(Rnn, GraphRewrite.DropDeadNodes(withDead));
    }

    [Fact]
    public void Replacing_a_state_value_and_renumbering_keep_the_graph_well_formed()
    {
        var lstm = ParsedCells.Zoo("Lstm");
        // h takes c itself: o, its weights and the tanh die.
        var g = GraphRewrite.DropDeadNodes(GraphRewrite.ReplaceNext(lstm, 0, lstm.Next[1]));
        Assert.Empty(GraphAnalysis.Validate(g));
        Assert.Equal(lstm.Parameters.Count - 3, g.Parameters.Count);
        // Any topological order is the same cell: here the nodes of each gate in reverse order of the gates.
        var order = Enumerable.Range(0, lstm.Nodes.Count).OrderBy(i => Depth(lstm, i)).ThenByDescending(i => i).ToList();
        var shuffled = GraphRewrite.Renumber(lstm, order);
        Assert.Empty(GraphAnalysis.Validate(shuffled));
        Assert.NotEqual(lstm, shuffled);
        Assert.Equal(CanonicalKey.Of(lstm), CanonicalKey.Of(shuffled));
    }

    private static int Depth(CellGraph g, int i) => g.Nodes[i].Args.Count == 0 ? 0 : 1 + g.Nodes[i].Args.Max(a => Depth(g, a));

    [Fact]
    public void Edits_that_break_the_order_are_argument_errors()
    {
        int tanh = Find(Rnn, OpKind.Tanh);
        var e = Assert.Throws<ArgumentException>(() => GraphRewrite.ReplaceOperand(Rnn, 1, 0, tanh));
        Assert.Equal("with", e.ParamName);
        Assert.Contains("earlier node", e.Message);
        Assert.Equal("operand", Assert.Throws<ArgumentOutOfRangeException>(() => GraphRewrite.ReplaceOperand(Rnn, tanh, 1, 0)).ParamName);
        Assert.Equal("node", Assert.Throws<ArgumentException>(() => GraphRewrite.InsertNode(Rnn, 1, new Node(OpKind.Neg, new[] { 1 }.ToEquatableArray()))).ParamName);
        Assert.Equal("at", Assert.Throws<ArgumentOutOfRangeException>(() => GraphRewrite.InsertNode(Rnn, -1, new Node(OpKind.Input, EquatableArray<int>.Empty))).ParamName);
        Assert.Equal("replacement", Assert.Throws<ArgumentException>(() => GraphRewrite.RemoveNode(Rnn, 1, tanh)).ParamName);
        Assert.Equal("order", Assert.Throws<ArgumentException>(() => GraphRewrite.Renumber(Rnn, Enumerable.Range(0, Rnn.Nodes.Count).Reverse().ToList())).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentOutOfRangeException>(() => GraphRewrite.ReplaceNext(Rnn, 1, 0)).ParamName);
    }
}
