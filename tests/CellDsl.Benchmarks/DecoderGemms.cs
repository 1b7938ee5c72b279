using System.Diagnostics;
using System.Text.Json;
using CellDsl.Kernels;

namespace CellDsl.Benchmarks;

/// <summary>The decoder's three products of a training step (logits = h·Wᵀ, dW += dlogitsᵀ·h, dh = dlogits·W), and a
/// cell's weight gradient dZᵀ·h, at the
/// shapes of Zaremba's small and medium steps, each timed with one of the GEMM's internal switches off and on: paired
/// and alternating in one process (best of a few calls per side per round, the order swapped each round), so a
/// machine's load drifts over both sides alike. Prints one JSON line per product: the median of the per-round ratios
/// on/off, their range, and the best ms of each side. The two sides must give the same bits (checked).</summary>
public static class DecoderGemms
{
    /// <summary>The switches it compares, each an internal setting of <see cref="Sgemm"/> whose two values compute the
    /// same bits.</summary>
    private static readonly Dictionary<string, Action<bool>> Switches = new()
    {
        ["transpose"] = on => Sgemm.TransposeInRegisters = on,
        ["in-place"] = on => Sgemm.ReadInPlace = on,
        ["narrow-edges"] = on => Sgemm.NarrowEdges = on,
        ["rows-in-place"] = on => Sgemm.ReadRowsInPlace = on,
        ["pack-b-once"] = on => Sgemm.PackBOnce = on,
        // The three paths of issue 10's decoder round together: the products as they ran before it, and after.
        ["decoder-round"] = on => (Sgemm.TransposeInRegisters, Sgemm.NarrowEdges, Sgemm.ReadRowsInPlace) = (on, on, on),
    };

    public static IEnumerable<string> Names => Switches.Keys;

    public static int Run(IEnumerable<string> shapes, string switchName, int rounds, TextWriter output)
    {
        if (!Switches.TryGetValue(switchName, out var set))
        {
            Console.Error.WriteLine($"decoder-gemms: no switch '{switchName}'; valid: {string.Join(", ", Switches.Keys)}");
            return 2;
        }
        const int V = 10_000;
        foreach (string shape in shapes)
        {
            var (rows, H) = shape switch
            {
                "small" => (20 * 20, 200),
                "medium" => (35 * 20, 650),
                _ => throw new ArgumentException($"decoder-gemms: shape '{shape}' is not small or medium", nameof(shapes)),
            };
            var rng = new CellRandom(11);
            var h = new float[rows * H]; rng.FillUniform(h, -1f, 1f);
            var w = new float[V * H]; rng.FillUniform(w, -0.1f, 0.1f);
            var dlogits = new float[rows * V]; rng.FillUniform(dlogits, -1e-3f, 1e-3f);
            var logits = new float[rows * V];
            var dW = new float[V * H];
            var dh = new float[rows * H];
            var dz = new float[rows * 4 * H]; rng.FillUniform(dz, -1e-2f, 1e-2f);
            var dWh = new float[4 * H * H];
            var products = new (string Name, float[] C, Action Call)[]
            {
                ("decoder_logits_gemm", logits, () => Sgemm.Multiply(false, true, rows, V, H, h, 0, H, w, 0, H, logits, 0, V, accumulate: false)),
                // dW is overwritten rather than accumulated, so repeated calls give comparable bits.
                ("decoder_dW_gemm", dW, () => Sgemm.Multiply(true, false, V, H, rows, dlogits, 0, V, h, 0, H, dW, 0, H, accumulate: false)),
                ("decoder_dh_gemm", dh, () => Sgemm.Multiply(false, false, rows, H, V, dlogits, 0, V, w, 0, H, dh, 0, H, accumulate: false)),
                // A cell's weight gradient over all T·B rows, d[W_h_i | … | W_h_o] = dZᵀ·h: 4H rows, several row blocks.
                ("cell_dW_gemm", dWh, () => Sgemm.Multiply(true, false, 4 * H, H, rows, dz, 0, 4 * H, h, 0, H, dWh, 0, H, accumulate: false)),
            };
            foreach (var (name, c, call) in products)
            {
                var results = new float[2][];
                for (int side = 0; side < 2; side++)
                {
                    set(side == 1);
                    for (int i = 0; i < 3; i++) call();
                    results[side] = (float[])c.Clone();
                }
                bool same = results[0].AsSpan().SequenceEqual(results[1]);
                var ratios = new List<double>();
                double bestOff = double.MaxValue, bestOn = double.MaxValue;
                for (int round = 0; round < rounds; round++)
                {
                    double off = 0, on = 0;
                    foreach (int side in round % 2 == 0 ? new[] { 0, 1 } : new[] { 1, 0 })
                    {
                        set(side == 1);
                        double best = Best(call, 5);
                        if (side == 0) off = best; else on = best;
                    }
                    ratios.Add(on / off);
                    bestOff = Math.Min(bestOff, off);
                    bestOn = Math.Min(bestOn, on);
                }
                set(true);
                ratios.Sort();
                var line = new Dictionary<string, object>
                {
                    ["kind"] = "decoder-gemms", ["shape"] = shape, ["product"] = name, ["switch"] = switchName, ["threads"] = Sgemm.Threads,
                    ["rounds"] = rounds, ["same_bits"] = same,
                    ["ratio_on_off_median"] = Math.Round(ratios[ratios.Count / 2], 3), ["ratio_min"] = Math.Round(ratios[0], 3), ["ratio_max"] = Math.Round(ratios[^1], 3),
                    ["best_ms_off"] = Math.Round(bestOff * 1e3, 2), ["best_ms_on"] = Math.Round(bestOn * 1e3, 2),
                };
                output.WriteLine(JsonSerializer.Serialize(line));
                output.Flush();
            }
        }
        return 0;
    }

    private static double Best(Action call, int calls)
    {
        double best = double.MaxValue;
        for (int i = 0; i < calls; i++)
        {
            long t = Stopwatch.GetTimestamp();
            call();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
        }
        return best;
    }
}
