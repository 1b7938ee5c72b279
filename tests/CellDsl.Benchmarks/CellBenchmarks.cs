using BenchmarkDotNet.Attributes;

namespace CellDsl.Benchmarks;

/// <summary>Forward and Forward+Backward of zoo cells at T = 35 (one op = one sequence batch). Allocations are
/// reported per op and should be 0 B.</summary>
/// <remarks>All 96 configurations by default. BenchmarkDotNet cannot filter by parameter, so CELLDSL_BENCH_CELLS,
/// CELLDSL_BENCH_B, CELLDSL_BENCH_H and CELLDSL_BENCH_LAYERS (comma-separated) narrow them, e.g.
/// CELLDSL_BENCH_CELLS=lstm,mut1 CELLDSL_BENCH_H=650.</remarks>
[MemoryDiagnoser]
public class CellBenchmarks
{
    private CellStack _stack = null!;

    [ParamsSource(nameof(Cells))]
    public string Cell { get; set; } = "lstm";

    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; }

    [ParamsSource(nameof(Hiddens))]
    public int Hidden { get; set; }

    [ParamsSource(nameof(LayerCounts))]
    public int Layers { get; set; }

    public static IEnumerable<string> Cells => Setting("CELLDSL_BENCH_CELLS", "lstm,gru-torch,gru,peephole,cifg,mut1,mut2,mut3").Split(',');
    public static IEnumerable<int> Batches => Throughput.Ints(Setting("CELLDSL_BENCH_B", "20,64"));
    public static IEnumerable<int> Hiddens => Throughput.Ints(Setting("CELLDSL_BENCH_H", "200,650,1500"));
    public static IEnumerable<int> LayerCounts => Throughput.Ints(Setting("CELLDSL_BENCH_LAYERS", "1,2"));

    private static string Setting(string name, string all) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : all;

    public const int Steps = 35;

    [GlobalSetup]
    public void Setup()
    {
        _stack = new CellStack(Cell, Layers, Steps, Batch, Hidden);
        _stack.Forward();
        _stack.Backward();
    }

    [Benchmark]
    public void Forward() => _stack.Forward();

    [Benchmark]
    public void ForwardBackward()
    {
        _stack.Forward();
        _stack.Backward();
    }
}
