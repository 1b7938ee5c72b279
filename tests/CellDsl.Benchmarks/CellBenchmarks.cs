using BenchmarkDotNet.Attributes;

namespace CellDsl.Benchmarks;

/// <summary>Forward and Forward+Backward of zoo cells at T = 35 (one op = one sequence batch). Allocations are
/// reported per op and should be 0 B.</summary>
[MemoryDiagnoser]
public class CellBenchmarks
{
    private CellStack _stack = null!;

    [Params("lstm", "gru-torch", "gru", "peephole", "cifg", "mut1", "mut2", "mut3")]
    public string Cell { get; set; } = "lstm";

    [Params(20, 64)]
    public int Batch { get; set; }

    [Params(200, 650, 1500)]
    public int Hidden { get; set; }

    [Params(1, 2)]
    public int Layers { get; set; }

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
