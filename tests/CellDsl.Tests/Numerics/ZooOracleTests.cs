using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Testing;
using CellDsl.Zoo;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Numerics;

/// <summary>Every zoo cell against the float64 interpreter: forward equality and finite-difference gradients.</summary>
public class ZooOracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> ZooNames()
    {
        var data = new TheoryData<string>();
        foreach (var e in CellZoo.All) data.Add(e.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void Generated_forward_and_backward_match_float64_oracle(string name)
    {
        // Unequal sizes where the cell allows them, so transposed indexing errors cannot hide.
        var probe = CellZoo.Get(name).Create(5, 5, 1);
        bool square = GraphAnalysis.SquareRequirement(GraphText.Read(probe.Definition)) is not null;
        var cell = CellZoo.Get(name).Create(square ? 5 : 3, 5, 7);
        RandomizeBiases(cell, 11);
        var report = GradientCheck.Run(cell, steps: 3, batch: 2, seed: 3);
        output.WriteLine(report.ToString());
        foreach (var g in report.Gradients) output.WriteLine($"  {g.Name,-10} {g.Relative:E2}");
        Assert.True(report.Forward.Relative < 1e-5, $"forward differs by {report.Forward.Relative:E2}");
        foreach (var g in report.Gradients)
            Assert.True(g.Relative < 2e-5, $"{name}: gradient of {g.Name} differs by {g.Relative:E2} of its scale");
    }

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void Interpreter_reverse_mode_matches_finite_differences(string name)
    {
        // Checks the derivative rules of the adjoint graph in float64, apart from the emitter.
        var cell = CellZoo.Get(name).Create(4, 4, 5);
        RandomizeBiases(cell, 13);
        var graph = GraphText.Read(cell.Definition);
        var oracle = new ReferenceInterpreter(graph, 4, 4);
        var rng = new CellRandom(9);
        double[] R(int n) { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = rng.NextDouble() * 2 - 1; return a; }
        int T = 3, B = 2, S = graph.StateCount;
        var p = cell.Parameters.ToArray().Select(v => (double)v).ToArray();
        var x = R(T * B * 4); var h0 = R(S * B * 4); var wy = R(T * B * 4); var ws = R(S * B * 4);
        var trace = oracle.Forward(p, x, T, B, h0);
        var rev = oracle.Backward(p, trace, wy, ws);
        var fd = oracle.FiniteDifferences(p, x, T, B, h0, wy, ws);
        AssertClose(fd.Parameters, rev.Parameters, "parameters");
        AssertClose(fd.Input, rev.Input, "x");
        AssertClose(fd.InitialState, rev.InitialState, "initial state");
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        double scale = Math.Max(1e-3, expected.Max(Math.Abs));
        double err = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(err / scale < 1e-7, $"{what}: reverse mode differs from finite differences by {err / scale:E2}");
    }

    internal static void RandomizeBiases(IRecurrentCell cell, int seed)
    {
        var rng = new CellRandom(seed);
        foreach (var p in cell.ParameterLayout)
            if (p.Kind != ParamKind.Dense) rng.FillUniform(cell.Parameters.Slice(p.Offset, p.Length), -0.5f, 0.5f);
    }
}
