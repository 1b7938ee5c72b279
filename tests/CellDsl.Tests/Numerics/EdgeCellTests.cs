using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Testing;
using CellDsl.Tests.Numerics.Edge;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Numerics;

public class EdgeCellTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => new() { nameof(FeedForward), nameof(DenseOfDense), nameof(Linears), nameof(SharedStates), nameof(InputWidthLoops), nameof(ReadAfterWrite), nameof(IgnoresInput), nameof(PreSum), nameof(CrossedSums) };

    internal static IRecurrentCell Create(string name, int i, int h, int seed) => name switch
    {
        nameof(FeedForward) => new FeedForward(i, h, seed),
        nameof(DenseOfDense) => new DenseOfDense(i, h, seed),
        nameof(Linears) => new Linears(i, h, seed),
        nameof(SharedStates) => new SharedStates(i, h, seed),
        nameof(InputWidthLoops) => new InputWidthLoops(i, h, seed),
        nameof(ReadAfterWrite) => new ReadAfterWrite(i, h, seed),
        nameof(IgnoresInput) => new IgnoresInput(i, h, seed),
        nameof(PreSum) => new PreSum(i, h, seed),
        nameof(CrossedSums) => new CrossedSums(i, h, seed),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_match_finite_differences(string name)
    {
        bool square = GraphAnalysis.SquareRequirement(GraphText.Read(Create(name, 4, 4, 1).Definition)) is not null;
        var cell = Create(name, square ? 5 : 3, 5, 2);
        ZooOracleTests.RandomizeBiases(cell, 3);
        var report = GradientCheck.Run(cell, steps: 3, batch: 2, seed: 4);
        output.WriteLine(report.ToString());
        Assert.True(report.Forward.Relative < 1e-5, $"forward differs by {report.Forward.Relative:E2}");
        foreach (var g in report.Gradients) Assert.True(g.Relative < 2e-5, $"{g.Name}: {g.Relative:E2}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_lane_path_matches_interpreter(string name)
    {
        var graph = GraphText.Read(Create(name, 4, 4, 1).Definition);
        int H = 27, I = GraphAnalysis.SquareRequirement(graph) is null ? 21 : 27, T = 4, B = 3;
        var cell = Create(name, I, H, 6);
        ZooOracleTests.RandomizeBiases(cell, 7);
        WideCellTests.CheckAgainstInterpreter(cell, graph, T, B, seed: 5);
    }

    [Fact]
    public void Square_requirement_is_checked_at_construction_with_the_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => new ReadAfterWrite(3, 5, 0));
        Assert.Contains("input size == hidden size", e.Message);
        Assert.Contains("P(x)", e.Message);
        var mut1 = Assert.Throws<ArgumentException>(() => new CellDsl.Zoo.Mut1(10, 20, 0));
        Assert.Contains("Tanh(x)", mut1.Message);
    }
}
