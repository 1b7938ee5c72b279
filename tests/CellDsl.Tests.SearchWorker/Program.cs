using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using CellDsl.Search.Store;
using CellDsl.Search.Workers;

namespace CellDsl.Tests.SearchWorker
{
    /// <summary>The job these workers evaluate: a fixed CPU-bound function of the job's seed, so a test can recompute
    /// every score, and the time it takes is a knob.</summary>
    public static class SeedWork
    {
        public static double Score(long seed, long rounds, CancellationToken cancel)
        {
            ulong x = (ulong)seed * 0x9E3779B97F4A7C15UL | 1;
            for (long i = 0; i < rounds; i++)
            {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if ((i & 0xFFFF) == 0)
                    cancel.ThrowIfCancellationRequested();
            }
            return (x >> 11) * (1.0 / (1UL << 53));
        }
    }

    public static class Program
    {
        private const string Usage = "usage: CellDsl.Tests.SearchWorker --store <file or postgres:...> --name <worker> --log <file> --lease-ms <n> --rounds <n> [--hold-ms <n>] [--drain]";

        public static int Main(string[] args)
        {
            Dictionary<string, string> options;
            bool drain = Array.IndexOf(args, "--drain") >= 0;
            try
            {
                options = Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
            string name = options["--name"], log = options["--log"];
            long rounds = long.Parse(options["--rounds"], CultureInfo.InvariantCulture);
            var lease = TimeSpan.FromMilliseconds(int.Parse(options["--lease-ms"], CultureInfo.InvariantCulture));
            var hold = TimeSpan.FromMilliseconds(options.TryGetValue("--hold-ms", out string? h) ? int.Parse(h, CultureInfo.InvariantCulture) : 0);

            using var signals = new StopSignals();
            using var store = SearchStore.Open(options["--store"]);
            var worker = new Worker(store, name, (job, cancel) =>
            {
                AppendLine(log, $"start {job.Id} {name} {Environment.ProcessId}\n");
                var started = DateTime.UtcNow;
                double score = SeedWork.Score(job.Seed, rounds, cancel);
                // A worker a test means to kill or stop mid-evaluation holds each job long enough to be caught at it.
                if (hold > TimeSpan.Zero && cancel.WaitHandle.WaitOne(hold))
                    cancel.ThrowIfCancellationRequested();
                return new JobResult(score, null, 0, (DateTime.UtcNow - started).TotalSeconds,
                    $"{{\"worker\":\"{name}\",\"pid\":{Environment.ProcessId}}}");
            }, new WorkerOptions { Lease = lease, IdlePoll = TimeSpan.FromMilliseconds(100), ExitWhenDrained = drain, Log = Console.Error.WriteLine });
            var summary = worker.Run(signals.Token);
            Console.Error.WriteLine($"{name}: {summary}");
            return 0;
        }

        /// <summary>Appends one line to a log other worker processes append to. .NET's append mode seeks to the end
        /// when the file opens rather than opening with O_APPEND, so two processes writing at once can overwrite each
        /// other's line (a lost start once failed a test); an exclusive lock, retried, makes each append whole.</summary>
        private static void AppendLine(string path, string line)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
                    file.Write(System.Text.Encoding.UTF8.GetBytes(line));
                    return;
                }
                catch (IOException) when (attempt < 1000)
                {
                    Thread.Sleep(2);
                }
            }
        }

        private static Dictionary<string, string> Parse(string[] args)
        {
            var options = new Dictionary<string, string>();
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--drain")
                    continue;
                if (i + 1 >= args.Length || !args[i].StartsWith("--", StringComparison.Ordinal))
                    throw new ArgumentException($"'{args[i]}' needs a value.");
                options[args[i]] = args[++i];
            }
            foreach (string required in new[] { "--store", "--name", "--log", "--lease-ms", "--rounds" })
                if (!options.ContainsKey(required))
                    throw new ArgumentException($"{required} is missing.");
            return options;
        }
    }
}
