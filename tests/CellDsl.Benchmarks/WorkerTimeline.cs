namespace CellDsl.Benchmarks;

/// <summary>
/// `trace [cell] [batch] [hidden] [passes]`: where the second core waits in one layer's forward and backward pass
/// (T = 35): per call site, how it split and what each hand-off cost. Needs the recording build
/// (<c>dotnet run -c Trace --project tests/CellDsl.Benchmarks -- trace lstm 64 650</c>); others compile it away.
/// </summary>
public static class WorkerTimeline
{
    public static int Run(string cell, int batch, int hidden, int passes, TextWriter output)
    {
#if CELLDSL_TRACE
        var stack = new CellStack(cell, 1, CellBenchmarks.Steps, batch, hidden);
        // Warm up past the tiered JIT, as the throughput mode does.
        Throughput.Median(() => { stack.Forward(); stack.Backward(); }, 0.5);
        output.WriteLine($"{cell} T={CellBenchmarks.Steps} B={batch} H={hidden}, threads {CellDsl.Kernels.Sgemm.Threads}, "
            + $"{passes} passes each, load average {LoadAverage()}");
        foreach (var (name, pass) in new (string, Action)[] { ("forward", stack.Forward), ("backward", stack.Backward) })
        {
            CellDsl.Kernels.WorkerTrace.Start();
            for (int i = 0; i < passes; i++)
            {
                // The backward reads what the forward kept; running it again is the same work each time.
                pass();
            }
            var events = CellDsl.Kernels.WorkerTrace.Stop();
            output.WriteLine();
            output.WriteLine($"**{name}**");
            output.WriteLine();
            output.Write(CellDsl.Kernels.WorkerTrace.Summarize(events, passes));
        }
        return 0;
#else
        _ = (cell, batch, hidden, passes, output);
        Console.Error.WriteLine("trace: this build records nothing; run it from the Trace configuration "
            + "(dotnet run -c Trace --project tests/CellDsl.Benchmarks -- trace ...)");
        return 2;
#endif
    }

    private static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "unknown";
    }
}
