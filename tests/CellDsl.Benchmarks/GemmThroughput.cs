using System.Diagnostics;
using System.Text.Json;
using CellDsl.Kernels;

namespace CellDsl.Benchmarks;

/// <summary>SGEMM GFLOP/s at the shapes the peer sgemm driver runs (nt gates at M = B and T·B, nn dX and tn dW at
/// T·B), timed like it: repeat for a budget, median per call. Forward weights are prepacked as the cells use them.</summary>
public static class GemmThroughput
{
    public static void Run(int[] batches, int[] hiddens, int steps, double budgetSeconds, TextWriter output)
    {
        foreach (int h in hiddens)
        {
            var shapes = new List<(string Op, int M, int N, int K)>();
            foreach (int b in batches) shapes.Add(("nt", b, 4 * h, h));
            foreach (int b in batches) shapes.Add(("nn-prepacked", b, h, 4 * h));
            foreach (int b in batches)
            {
                int tb = steps * b;
                shapes.Add(("nt", tb, 4 * h, h));
                shapes.Add(("nn", tb, h, 4 * h));
                shapes.Add(("nn-prepacked", tb, h, 4 * h));
                shapes.Add(("tn", 4 * h, h, tb));
            }
            foreach (var (op, m, n, k) in shapes)
            {
                var rng = new CellRandom(7);
                var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
                var b = new float[k * n]; rng.FillUniform(b, -1f, 1f);
                var c = new float[m * n];
                using var packed = new PackedMatrix();
                Action call = op switch
                {
                    // C = X·Wᵀ with W [n×k] prepacked once (the cells pack per pass, not per call)
                    "nt" or "nn-prepacked" => (Action)(() => Sgemm.Multiply(false, m, a, 0, k, packed, c, 0, n, accumulate: false)),
                    "nn" => () => Sgemm.Multiply(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, accumulate: false),
                    _ => () => Sgemm.Multiply(true, false, m, n, k, a, 0, m, b, 0, n, c, 0, n, accumulate: false),
                };
                if (op == "nt") packed.Pack(true, k, n, b, 0, k);
                if (op == "nn-prepacked") packed.Pack(false, k, n, b, 0, n);
                double seconds = Throughput.Median(call, budgetSeconds);
                var line = new Dictionary<string, object>
                {
                    ["peer"] = "celldsl", ["op"] = op, ["M"] = m, ["N"] = n, ["K"] = k, ["threads"] = CellDsl.Kernels.Sgemm.Threads, ["gemm"] = GemmKernel.Current.Name,
                    ["gflops"] = Math.Round(2.0 * m * n * k / seconds / 1e9, 1),
                };
                output.WriteLine(JsonSerializer.Serialize(line));
                output.Flush();
            }
        }
    }
}
