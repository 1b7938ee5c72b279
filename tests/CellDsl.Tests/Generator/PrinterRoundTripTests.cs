using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Compiler.Printing;
using CellDsl.Generator.Model;
using CellDsl.Generator.Parsing;
using CellDsl.Tests.Generator.Support;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>
/// DslPrinter.PrintClass is what the search tool exports: the printed class must parse back to a cell that prints the
/// same (a fixpoint) and computes the same values, parameter for parameter, in the float64 interpreter.
/// </summary>
public class PrinterRoundTripTests
{
    public static TheoryData<string> Cells()
    {
        var data = new TheoryData<string>();
        foreach (var name in ZooSources.CellNames()) data.Add(name);
        foreach (var name in Custom.Keys) data.Add(name);
        return data;
    }

    // Shapes the zoo lacks: states read after assignment, swapped and shared states, keyword names, Linear, Relu.
    private static readonly Dictionary<string, string> Custom = new()
    {
        ["custom:Mixed"] = """
            [RnnCell]
            public partial class Mixed
            {
                static void Step(Var x, ref Var c, [Output] ref Var h)
                {
                    var i = Sigmoid(W(x, "Wxi") + W(h) + P(c) + B());
                    var f = Sigmoid(Linear(1.1f, h) + W(x) + B(1f));
                    var g = Relu(W(x) - W(h) + B(0.25f));
                    c = f * c + i * g;
                    var o = -Sigmoid(W(x) + W(c) + B()) * 0.5f + 1f;
                    h = o * Tanh(c) + 0.1f * h;
                }
            }
            """,
        ["custom:Swap"] = """
            [RnnCell]
            public partial class Swap
            {
                static void Step(Var x, ref Var h, ref Var c, ref Var d)
                {
                    h = c;
                    c = Tanh(W(x) + W(h) + B());
                    d = c;
                }
            }
            """,
        ["custom:event"] = """
            [RnnCell]
            public partial class @event
            {
                static void Step(Var @in, ref Var @out, ref Var @base)
                {
                    var @int = Tanh(W(@in) + W(@out) + P(@base) + B(0f, "class"));
                    @base = @int * @base + W(@in);
                    @out = @int - -@base;
                }
            }
            """,
    };

    private static CellGraph Original(string cell)
    {
        ParseResult result;
        if (cell.StartsWith("custom:", StringComparison.Ordinal))
            result = CellParser.ParseSource("using CellDsl;\nusing static CellDsl.CellOps;\n\n" + Custom[cell])!;
        else
            result = CellParser.Parse(ZooSources.Cells().Single(c => c.Identifier.ValueText == cell));
        Assert.Empty(result.Diagnostics);
        return result.Model!.Graph;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Printed_class_parses_back_to_the_same_cell(string cell)
    {
        var original = Original(cell);
        string printed = DslPrinter.PrintClass(original);
        var reparsed = CellParser.ParseSource(printed);
        Assert.NotNull(reparsed);
        Assert.True(reparsed.Diagnostics.Count == 0 && reparsed.Model is not null,
            "The printed class does not parse cleanly:\n" + string.Join("\n", reparsed.Diagnostics) + "\n" + GeneratorHarness.WithLineNumbers("printed", printed));
        var copy = reparsed.Model!.Graph;

        Assert.Equal(printed, DslPrinter.PrintClass(copy));
        Assert.Equal((original.Name, original.InputName, original.OutputState), (copy.Name, copy.InputName, copy.OutputState));
        Assert.Equal(original.States, copy.States);
        Assert.Equal(original.Parameters.OrderBy(p => p.Name, StringComparer.Ordinal), copy.Parameters.OrderBy(p => p.Name, StringComparer.Ordinal));

        AssertSameValues(original, copy);
    }

    [Fact]
    public void Printed_zoo_classes_generate_code_that_compiles()
    {
        // The export is a declaration users paste into their project: all of the zoo at once, in one namespace.
        var files = ZooSources.CellNames().Select(c => new SourceFile(c + ".cs", DslPrinter.PrintClass(Original(c), "Exported"))).ToArray();
        var run = GeneratorHarness.Run(files);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(files.Length, run.Sources.Count);
        GeneratorHarness.AssertCompiles(run);
    }

    /// <summary>Forward values and reverse-mode gradients of both graphs, with parameters matched by name.</summary>
    private static void AssertSameValues(CellGraph a, CellGraph b)
    {
        int H = 4, I = GraphAnalysis.SquareRequirement(a) is null ? 3 : 4, T = 3, B = 2, S = a.StateCount;
        var ia = new ReferenceInterpreter(a, I, H);
        var ib = new ReferenceInterpreter(b, I, H);
        Assert.Equal(ia.ParameterCount, ib.ParameterCount);

        var rng = new CellRandom(17);
        double[] R(long n) { var v = new double[n]; for (int i = 0; i < n; i++) v[i] = rng.NextDouble() * 2 - 1; return v; }
        var pa = R(ia.ParameterCount);
        var pb = new double[pa.Length];
        var offsetInB = b.Parameters.Select((p, k) => (p.Name, k)).ToDictionary(e => e.Name, e => ib.Offset(e.k));
        var blocks = a.Parameters.Select((p, k) => (Name: p.Name, From: ia.Offset(k), To: offsetInB[p.Name], Length: Length(p, I, H))).ToList();
        foreach (var blk in blocks) Array.Copy(pa, blk.From, pb, blk.To, blk.Length);

        var x = R(T * B * I);
        var h0 = R(S * B * H);
        var ta = ia.Forward(pa, x, T, B, h0);
        var tb = ib.Forward(pb, x, T, B, h0);
        AssertClose(ta.Outputs, tb.Outputs, "outputs");
        AssertClose(ta.FinalStates, tb.FinalStates, "final states");

        var dy = R(T * B * H);
        var ds = R(S * B * H);
        var ga = ia.Backward(pa, ta, dy, ds);
        var gb = ib.Backward(pb, tb, dy, ds);
        AssertClose(ga.Input, gb.Input, "dL/dx");
        AssertClose(ga.InitialState, gb.InitialState, "dL/d initial state");
        foreach (var blk in blocks)
            AssertClose(ga.Parameters.AsSpan((int)blk.From, blk.Length).ToArray(), gb.Parameters.AsSpan((int)blk.To, blk.Length).ToArray(), "dL/d" + blk.Name);
    }

    private static int Length(Parameter p, int inputSize, int hiddenSize)
        => p.Kind == Compiler.Graph.ParamKind.Dense ? hiddenSize * (p.In == Dim.Input ? inputSize : hiddenSize) : hiddenSize;

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: {expected[i]:R} in the original, {actual[i]:R} after printing and parsing");
    }
}
