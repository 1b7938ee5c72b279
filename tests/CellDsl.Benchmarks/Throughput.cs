using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CellDsl.Benchmarks;

/// <summary>
/// The same measurement the peer drivers make, for side-by-side ratios: warm up, repeat for a time budget, take the
/// median time per op; tokens/s = T·B / median. One JSON line per configuration.
/// </summary>
public static class Throughput
{
    public static void Run(string[] cells, int[] batches, int[] hiddens, int[] layers, double budgetSeconds, TextWriter output)
    {
        foreach (int h in hiddens)
            foreach (int l in layers)
                foreach (int b in batches)
                    foreach (var cell in cells)
                    {
                        var stack = new CellStack(cell, l, CellBenchmarks.Steps, b, h);
                        double fwd = Median(stack.Forward, budgetSeconds);
                        double fwdBwd = Median(() => { stack.Forward(); stack.Backward(); }, budgetSeconds);
                        int tokens = CellBenchmarks.Steps * b;
                        var line = new Dictionary<string, object>
                        {
                            ["peer"] = "celldsl", ["cell"] = cell, ["layers"] = l, ["T"] = CellBenchmarks.Steps, ["B"] = b, ["H"] = h,
                            ["threads"] = CellDsl.Kernels.Sgemm.Threads, ["fwd_tok_s"] = Math.Round(tokens / fwd, 1), ["fwdbwd_tok_s"] = Math.Round(tokens / fwdBwd, 1),
                        };
                        output.WriteLine(JsonSerializer.Serialize(line));
                        output.Flush();
                    }
    }

    /// <summary>Median seconds per call after a warm-up (at least 3 calls and 0.5 s, so the runtime's tiered JIT has
    /// recompiled the per-step code of small configurations), over at least 5 calls and the time budget.</summary>
    public static double Median(Action op, double budgetSeconds)
    {
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.Elapsed.TotalSeconds < 0.5; i++) op();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || total.Elapsed.TotalSeconds < budgetSeconds)
        {
            var sw = Stopwatch.StartNew();
            op();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    public static int[] Ints(string csv) => csv.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
