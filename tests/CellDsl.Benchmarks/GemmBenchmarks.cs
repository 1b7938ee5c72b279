using BenchmarkDotNet.Attributes;
using CellDsl.Kernels;

namespace CellDsl.Benchmarks;

/// <summary>SGEMM at the LSTM shapes: forward gates C[M×4H] = X·Wᵀ (weights prepacked, as the cells use them),
/// the adjoint dX = dG·W and the weight gradient dW = dGᵀ·X over T·B rows.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = null!, _w = null!, _c = null!, _g = null!, _dw = null!;
    private PackedMatrix _packed = null!;

    [Params(200, 650, 1500)]
    public int Hidden { get; set; }

    [Params(20, 64, 700, 2240)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int h = Hidden, n = 4 * h;
        _a = new float[Rows * h];
        _w = new float[n * h];
        _c = new float[Rows * n];
        _g = new float[Rows * n];
        _dw = new float[n * h];
        var rng = new CellRandom(3);
        rng.FillUniform(_a, -1f, 1f);
        rng.FillUniform(_w, -1f, 1f);
        rng.FillUniform(_g, -1f, 1f);
        _packed = new PackedMatrix();
        _packed.Pack(true, h, n, _w, 0, h);
    }

    [Benchmark(Description = "NT gates X·Wᵀ")]
    public void Gates() => Sgemm.Multiply(false, Rows, _a, 0, Hidden, _packed, _c, 0, 4 * Hidden, accumulate: false);

    [Benchmark(Description = "NN dX = dG·W")]
    public void InputGradient() => Sgemm.Multiply(false, false, Rows, Hidden, 4 * Hidden, _g, 0, 4 * Hidden, _w, 0, Hidden, _a, 0, Hidden, accumulate: false);

    [Benchmark(Description = "TN dW = dGᵀ·X")]
    public void WeightGradient() => Sgemm.Multiply(true, false, 4 * Hidden, Hidden, Rows, _g, 0, 4 * Hidden, _a, 0, Hidden, _dw, 0, Hidden, accumulate: false);
}
