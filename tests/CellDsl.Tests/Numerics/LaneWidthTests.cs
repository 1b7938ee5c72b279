using System.Runtime.InteropServices;
using CellDsl.Compiler.Graph;
using CellDsl.Kernels;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Numerics;

/// <summary>Tests that force one lane width in every fused loop run alone: the width is process-wide, and the scalar
/// path's bits would show in the recorded zoo results of a test running beside them.</summary>
[CollectionDefinition(nameof(LaneWidthCollection), DisableParallelization = true)]
public class LaneWidthCollection;

/// <summary>
/// Every lane width the machine has (512, 256, 128 bits, and scalar) run by force through the zoo's fused loops, so
/// a machine without AVX-512 is not the only place its lanes are tested, and a zmm machine tests the xmm path that
/// Arm runs. Against the float64 interpreter at every width; bit for bit between the vector widths, whose lanes
/// compute the same arithmetic.
/// </summary>
[Collection(nameof(LaneWidthCollection))]
public class LaneWidthTests
{
    private static readonly LaneWidth[] Vectors = [LaneWidth.V512, LaneWidth.V256, LaneWidth.V128];

    private static IEnumerable<LaneWidth> Supported()
        => Vectors.Where(Columns.IsAccelerated).Append(LaneWidth.Scalar);

    public static TheoryData<string, LaneWidth> ZooAtEveryWidth()
    {
        var data = new TheoryData<string, LaneWidth>();
        foreach (var e in CellZoo.All)
            foreach (var w in Supported()) data.Add(e.Name, w);
        return data;
    }

    private static T At<T>(LaneWidth width, Func<T> run) => ProcessSetting.With(() => Columns.Width, w => Columns.Width = w, width, run);

    private struct Recorder : IColumnKernel
    {
        public List<(int Lanes, int J0, int J1)> Calls;
        public void Run<V>(int j0, int j1) where V : struct, ISimd<V> => Calls.Add((V.Count, j0, j1));
    }

    [Fact]
    public void A_forced_width_runs_the_whole_vectors_of_a_row_at_that_width_and_the_rest_scalar()
    {
        foreach (var (width, lanes) in new[] { (LaneWidth.V512, 16), (LaneWidth.V256, 8), (LaneWidth.V128, 4) })
        {
            var k = new Recorder { Calls = [] };
            At(width, () => { Columns.Range(ref k, 0, 37); return 0; });
            int whole = 37 / lanes * lanes;
            Assert.Equal(new[] { (lanes, 0, whole), (1, whole, 37) }, k.Calls);
        }
        var s = new Recorder { Calls = [] };
        At(LaneWidth.Scalar, () => { Columns.Range(ref s, 3, 40); return 0; });
        Assert.Equal(new[] { (1, 3, 40) }, s.Calls);
    }

    [Theory]
    [MemberData(nameof(ZooAtEveryWidth))]
    public void Zoo_cell_matches_the_interpreter_at_each_lane_width(string name, LaneWidth width)
    {
        var graph = GraphText.Read(CellZoo.Get(name).Create(4, 4, 1).Definition);
        // 27 = 16 + 8 + 3: whole vectors and a tail at every width.
        int H = 27, I = GraphAnalysis.SquareRequirement(graph) is null ? 19 : 27;
        var cell = CellZoo.Get(name).Create(I, H, 3);
        ZooOracleTests.RandomizeBiases(cell, 4);
        At(width, () => { WideCellTests.CheckAgainstInterpreter(cell, graph, T: 5, B: 3, seed: 21); return 0; });
    }

    [Theory]
    [MemberData(nameof(ZooOracleTests.ZooNames), MemberType = typeof(ZooOracleTests))]
    public void Vector_widths_compute_the_same_bits(string name)
    {
        var widths = Vectors.Where(Columns.IsAccelerated).ToList();
        Assert.NotEmpty(widths);
        // Whole multiples of 16 columns: no tail, so every element runs in the forced width's lanes.
        var graph = GraphText.Read(CellZoo.Get(name).Create(4, 4, 1).Definition);
        int H = 32, I = GraphAnalysis.SquareRequirement(graph) is null ? 16 : 32;
        var first = At(widths[0], () => Results(name, graph, I, H));
        foreach (var w in widths.Skip(1))
        {
            var other = At(w, () => Results(name, graph, I, H));
            for (int i = 0; i < first.Count; i++)
                Assert.True(first[i].Bits.SequenceEqual(other[i].Bits), $"{name}: {first[i].What} differs between {widths[0]} and {w}");
        }
    }

    /// <summary>Every result of one Forward and Backward on fixed inputs, as float bits.</summary>
    private static List<(string What, int[] Bits)> Results(string name, CellGraph graph, int I, int H)
    {
        var cell = CellZoo.Get(name).Create(I, H, 5);
        ZooOracleTests.RandomizeBiases(cell, 6);
        var run = CellRun.Of(cell, graph, T: 3, B: 5, seed: 7);
        static int[] Bits(float[] v) => MemoryMarshal.Cast<float, int>(v.AsSpan()).ToArray();
        return [("output", Bits(run.Output)), ("gradients", Bits(run.Gradients)), ("dx", Bits(run.Dx)), ("d initial state", Bits(run.DInitialState))];
    }
}
