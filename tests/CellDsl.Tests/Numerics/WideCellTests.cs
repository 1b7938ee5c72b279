using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Numerics;

/// <summary>
/// Widths that run every lane path of the fused loops (16-wide, 8-wide and scalar tail: 27 = 16 + 8 + 3),
/// batch and steps above one block, checked against the float64 interpreter's forward and reverse mode
/// (itself checked against finite differences in <see cref="ZooOracleTests"/>).
/// </summary>
public class WideCellTests
{
    [Theory]
    [MemberData(nameof(ZooOracleTests.ZooNames), MemberType = typeof(ZooOracleTests))]
    public void Every_lane_path_matches_interpreter(string name)
    {
        var probe = CellZoo.Get(name).Create(4, 4, 1);
        var graph = GraphText.Read(probe.Definition);
        int H = 27, I = GraphAnalysis.SquareRequirement(graph) is null ? 19 : 27, T = 5, B = 3;
        var cell = CellZoo.Get(name).Create(I, H, 3);
        ZooOracleTests.RandomizeBiases(cell, 4);
        CheckAgainstInterpreter(cell, graph, T, B, seed: 21);
    }

    /// <summary>Forward outputs, final states and every gradient of a generated cell against the interpreter's forward
    /// and reverse mode in float64, from random inputs, initial states and output gradients.</summary>
    internal static void CheckAgainstInterpreter(IRecurrentCell cell, CellGraph graph, int T, int B, int seed)
    {
        int I = cell.InputSize, H = cell.HiddenSize;
        var run = CellRun.Of(cell, graph, T, B, seed);

        var oracle = new ReferenceInterpreter(graph, I, H);
        double[] D(ReadOnlySpan<float> s) => s.ToArray().Select(v => (double)v).ToArray();
        var p = D(cell.Parameters);
        var trace = oracle.Forward(p, D(run.X), T, B, D(run.InitialState));
        var grads = oracle.Backward(p, trace, D(run.DOutput), D(run.DFinalState));

        AssertClose(trace.Outputs, run.Output, 1e-5, "outputs");
        AssertClose(trace.FinalStates, run.FinalStates, 1e-5, "final states");
        foreach (var info in cell.ParameterLayout)
            AssertClose(grads.Parameters.AsSpan(info.Offset, info.Length).ToArray(), run.Gradients.AsSpan(info.Offset, info.Length).ToArray(), 2e-5, info.Name);
        AssertClose(grads.Input, run.Dx, 2e-5, "dx");
        AssertClose(grads.InitialState, run.DInitialState, 2e-5, "d initial state");
    }

    [Fact]
    public void Backward_accumulates_into_gradients_and_zero_gradients_clears()
    {
        var cell = new Lstm(6, 9, seed: 2);
        var ws = cell.CreateWorkspace(4, 2);
        var x = Enumerable.Range(0, 4 * 2 * 6).Select(i => MathF.Sin(i)).ToArray();
        var dy = Enumerable.Range(0, 4 * 2 * 9).Select(i => MathF.Cos(i)).ToArray();
        cell.Forward(ws, x);
        cell.Backward(ws, dy);
        var once = cell.Gradients.ToArray();
        Assert.Contains(once, g => g != 0f);
        cell.Forward(ws, x);
        cell.Backward(ws, dy);
        var twice = cell.Gradients.ToArray();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-5f * Math.Max(1f, Math.Abs(twice[i])));
        cell.ZeroGradients();
        Assert.All(cell.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Carrying_final_state_into_the_next_chunk_equals_one_long_sequence()
    {
        // Truncated BPTT relies on this: two chunks of 3 steps with the state carried over == one run of 6 steps.
        var cell = new PeepholeLstm(5, 8, seed: 4);
        var rng = new CellRandom(8);
        var x = new float[6 * 2 * 5];
        rng.FillUniform(x, -1f, 1f);
        var whole = cell.CreateWorkspace(6, 2);
        cell.Forward(whole, x);
        var chunk = cell.CreateWorkspace(3, 2);
        cell.Forward(chunk, x.AsSpan(0, 3 * 2 * 5));
        var carry = new float[2 * 2 * 8];
        chunk.CopyFinalStates(carry);
        cell.Forward(chunk, x.AsSpan(3 * 2 * 5), carry);
        var expected = whole.Output.Slice(3 * 2 * 8).ToArray();
        var actual = chunk.Output.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
    }

    internal static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Select(Math.Abs).DefaultIfEmpty(0).Max());
        double err = 0;
        for (int i = 0; i < expected.Length; i++) err = Math.Max(err, Math.Abs(expected[i] - actual[i]));
        Assert.True(err / scale < tolerance, $"{what}: max error {err:E2} is {err / scale:E2} of scale {scale:E2}");
    }
}
