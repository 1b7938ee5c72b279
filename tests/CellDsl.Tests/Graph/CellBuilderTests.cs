using CellDsl.Compiler.Graph;
using Xunit;

namespace CellDsl.Tests.Graph;

/// <summary>The builder is the DSL's rules without syntax: what it builds by hand is what the parser builds from C#.</summary>
public class CellBuilderTests
{
    [Fact]
    public void Lstm_built_by_hand_is_the_graph_the_parser_makes_of_the_zoo_lstm()
    {
        var b = new CellBuilder("Lstm", "x", ["h", "c"]);
        int Gate(OpKind act, string target)
        {
            var sum = b.Combine(OpKind.Add, CellValue.OfNode(b.Dense(b.Input(), null, "x", target)), CellValue.OfNode(b.Dense(b.PreviousState(0), null, "h", target)));
            sum = b.Combine(OpKind.Add, sum, CellValue.OfNode(b.Bias(0f, null, target)));
            int gate = b.Activation(act, sum.Node);
            b.NameValue(gate, target);
            return gate;
        }
        int i = Gate(OpKind.Sigmoid, "i"), f = Gate(OpKind.Sigmoid, "f"), g = Gate(OpKind.Tanh, "g"), o = Gate(OpKind.Sigmoid, "o");
        var c = b.Combine(OpKind.Add,
            b.Combine(OpKind.Mul, CellValue.OfNode(f), CellValue.OfNode(b.PreviousState(1))),
            b.Combine(OpKind.Mul, CellValue.OfNode(i), CellValue.OfNode(g)));
        var h = b.Combine(OpKind.Mul, CellValue.OfNode(o), CellValue.OfNode(b.Activation(OpKind.Tanh, c.Node)));

        Assert.Equal(ParsedCells.Zoo("Lstm"), b.Build([h.Node, c.Node]));
    }

    [Fact]
    public void Constants_fold_as_they_meet_and_become_nodes_only_beside_a_vector()
    {
        var b = new CellBuilder("C", "x", ["h"]);
        var k = b.Combine(OpKind.Sub, CellValue.OfConst(1f), b.Negate(CellValue.OfConst(0.25f)));
        Assert.True(k.IsConst);
        Assert.Equal(1.25f, k.Const);
        Assert.Equal(0, b.NodeCount);
        var v = b.Combine(OpKind.Mul, k, CellValue.OfNode(b.Input()));
        Assert.False(v.IsConst);
        Assert.Equal(OpKind.Const, b.NodeAt(b.NodeAt(v.Node).Args[0]).Op);
        Assert.Equal(1.25f, b.NodeAt(b.NodeAt(v.Node).Args[0]).Value);
    }

    [Fact]
    public void Implicit_names_avoid_every_explicit_name_of_the_cell_and_each_other()
    {
        var b = new CellBuilder("C", "x", ["h"]);
        b.ReserveName("W_x_h");
        int w1 = b.Dense(b.Input(), null, "x", "h");
        int w2 = b.Dense(b.Input(), null, "x", "h");
        Assert.Equal(NameClaim.Taken, b.ClaimName("W_x_h"));
        Assert.Equal(NameClaim.Duplicate, b.ClaimName("W_x_h"));
        Assert.Equal(NameClaim.Duplicate, b.ClaimName("W_x_h_2"));
        Assert.Equal(NameClaim.Invalid, b.ClaimName("1st"));
        Assert.Equal(NameClaim.Invalid, b.ClaimName(""));
        int w3 = b.Dense(b.PreviousState(0), "W_x_h", "h", "h");
        int bias = b.Bias(0f, null, "a b");   // a target that is no identifier is sanitised
        var g = b.Build([b.Combine(OpKind.Add, b.Combine(OpKind.Add, CellValue.OfNode(w1), CellValue.OfNode(w2)), b.Combine(OpKind.Add, CellValue.OfNode(w3), CellValue.OfNode(bias))).Node]);
        Assert.Equal(["W_x_h_2", "W_x_h_3", "W_x_h", "b_a_b"], g.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Sizes_are_inferred_as_nodes_are_added()
    {
        var b = new CellBuilder("C", "x", ["h"]);
        int x = b.Input(), h = b.PreviousState(0);
        Assert.Equal((Dim.Input, Dim.Hidden), (b.DimOf(x), b.DimOf(h)));
        Assert.Equal(Dim.Input, b.DimOf(b.Activation(OpKind.Tanh, x)));
        Assert.Equal(Dim.Input, b.DimOf(b.Combine(OpKind.Mul, CellValue.OfConst(2f), CellValue.OfNode(x)).Node));
        Assert.Equal(Dim.Hidden, b.DimOf(b.Combine(OpKind.Add, CellValue.OfNode(x), CellValue.OfNode(h)).Node));
        int wx = b.Dense(x, null, "x", "h"), wh = b.Dense(h, null, "h", "h");
        var g = b.Build([b.Combine(OpKind.Add, CellValue.OfNode(wx), CellValue.OfNode(wh)).Node]);
        Assert.Equal([Dim.Input, Dim.Hidden], g.Parameters.Select(p => p.In));
    }

    [Fact]
    public void Build_drops_what_no_state_reads_with_its_parameters()
    {
        var b = new CellBuilder("C", "x", ["h"]);
        int unused = b.Activation(OpKind.Sigmoid, b.Dense(b.Input(), null, "x", "gate"));
        b.NameValue(unused, "gate");
        int h = b.Activation(OpKind.Tanh, b.Dense(b.Input(), null, "x", "h"));
        var g = b.Build([h]);
        Assert.Equal(ParsedCells.Body("h = Tanh(W(x));"), g);
        Assert.Equal(["W_x_h"], g.Parameters.Select(p => p.Name));
        Assert.Equal([OpKind.Input, OpKind.Dense, OpKind.Tanh], g.Nodes.Select(n => n.Op));
    }

    [Fact]
    public void Misuse_is_an_argument_error_that_names_the_argument()
    {
        var b = new CellBuilder("C", "x", ["h"]);
        int x = b.Input();
        Assert.Equal("op", Assert.Throws<ArgumentException>(() => b.Activation(OpKind.Add, x)).ParamName);
        Assert.Equal("op", Assert.Throws<ArgumentException>(() => b.Combine(OpKind.Tanh, CellValue.OfNode(x), CellValue.OfNode(x))).ParamName);
        Assert.Equal("node", Assert.Throws<ArgumentOutOfRangeException>(() => b.Dense(5, null, "v", "h")).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => b.PreviousState(1)).ParamName);
        Assert.Equal("next", Assert.Throws<ArgumentException>(() => b.Build([x, x])).ParamName);
    }
}
