using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
using CellDsl.Tests.Generator.Support;
using Xunit;

namespace CellDsl.Tests.Graph;

/// <summary>The deduplication key: equal for cells that differ only in names, equation order or the operand order
/// of + and *; different for cells that compute something else.</summary>
public class CanonicalKeyTests
{
    // The zoo's LSTM-b: other names everywhere, the gates in another order, operands of + and * swapped, an
    // intermediate local, explicit parameter names. (Regrouping a sum, (a + b) + c as a + (b + c), is another cell:
    // in floats it is another computation.)
    private const string LstmRewritten = """
        [RnnCell]
        public partial class Other
        {
            static void Step(Var input, ref Var @out, ref Var memory)
            {
                var outGate = Sigmoid(B() + (W(@out, "Wo") + W(input)));
                var candidate = Tanh(W(@out) + W(input, "Wg") + B(0f, "bias_g"));
                var forget = Sigmoid(B(1f) + (W(@out) + W(input)));
                var inGate = Sigmoid(W(input) + W(@out) + B());
                var kept = memory * forget;
                memory = candidate * inGate + kept;
                @out = Tanh(memory) * outGate;
            }
        }
        """;

    [Fact]
    public void Cells_that_differ_in_names_order_and_commuted_operands_have_equal_keys()
    {
        var a = ParsedCells.Zoo("LstmB");
        var b = ParsedCells.Parse(LstmRewritten);
        Assert.NotEqual(a, b);
        Assert.Equal(CanonicalKey.Of(a), CanonicalKey.Of(b));
    }

    [Fact]
    public void Printed_and_reparsed_zoo_cells_keep_their_keys()
    {
        foreach (var name in ZooSources.CellNames())
        {
            var g = ParsedCells.Zoo(name);
            Assert.Equal(CanonicalKey.Of(g), CanonicalKey.Of(ParsedCells.Parse(DslPrinter.PrintClass(g))));
        }
    }

    [Fact]
    public void Every_zoo_cell_has_its_own_key_except_np_which_is_the_lstm()
    {
        // Greff et al.'s NP (their LSTM without peepholes) is PyTorch's LSTM with the gates written in another order
        // and the products commuted: the one pair of zoo cells that computes the same thing.
        var keys = ZooSources.CellNames().Select(n => (Name: n, Key: CanonicalKey.Of(ParsedCells.Zoo(n)))).ToList();
        var same = keys.GroupBy(k => k.Key).Where(g => g.Count() > 1).Select(g => string.Join(" = ", g.Select(k => k.Name).Order(StringComparer.Ordinal))).ToList();
        Assert.Equal(["Lstm = Np"], same);
    }

    public static TheoryData<string, string> Differences() => new()
    {
        // (a Step body, another that computes something else by one edit)
        { "h = Tanh(W(x) + W(h) + B());", "h = Tanh(W(x) - W(h) + B());" },
        { "h = Tanh(W(x) + W(h) + B());", "h = Sigmoid(W(x) + W(h) + B());" },
        { "h = Tanh(W(x) + W(h) + B());", "h = Tanh(W(x) + W(h) + B(1f));" },
        { "h = Tanh(W(x) + W(h) + B());", "h = Tanh(W(x) + W(x) + B());" },
        { "h = Tanh(W(x) + W(h) + B());", "h = Tanh(W(x) + P(h) + B());" },
        { "h = Tanh(W(x) + W(h) + B());", "h = Tanh(W(x) + Linear(1f, h));" },
        { "h = Tanh(Linear(1f, h) + W(x));", "h = Tanh(Linear(2f, h) + W(x));" },
        { "var a = Tanh(W(x)); var b = Sigmoid(W(h)); h = a - b;", "var a = Tanh(W(x)); var b = Sigmoid(W(h)); h = b - a;" },
        { "h = Tanh(W(x) + W(h)) * 0.5f;", "h = Tanh(W(x) + W(h)) * -0.5f;" },
        { "h = Tanh(W(x) + W(h)) * 0f;", "h = Tanh(W(x) + W(h)) * -0f;" },
        { "var a = W(x); h = Tanh(a + a);", "h = Tanh(W(x) + W(x));" },
        { "h = -Tanh(W(x) + W(h));", "h = Tanh(-(W(x) + W(h)));" },
    };

    [Theory]
    [MemberData(nameof(Differences))]
    public void Cells_that_compute_something_else_have_different_keys(string a, string b)
        => Assert.NotEqual(CanonicalKey.Of(ParsedCells.Body(a)), CanonicalKey.Of(ParsedCells.Body(b)));

    [Fact]
    public void The_output_state_and_the_state_order_are_part_of_the_key()
    {
        const string Body = "{ h = Tanh(W(x) + W(c)); c = Sigmoid(W(h) + W(x)); }";
        var first = ParsedCells.Parse("[RnnCell] public partial class A { static void Step(Var x, ref Var h, ref Var c) " + Body + " }");
        var output = ParsedCells.Parse("[RnnCell] public partial class A { static void Step(Var x, ref Var h, [Output] ref Var c) " + Body + " }");
        var swapped = ParsedCells.Parse("[RnnCell] public partial class A { static void Step(Var x, ref Var c, ref Var h) " + Body + " }");
        Assert.NotEqual(CanonicalKey.Of(first), CanonicalKey.Of(output));
        Assert.NotEqual(CanonicalKey.Of(first), CanonicalKey.Of(swapped));
    }
}
