using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using CellDsl.Search.Store;
using CellDsl.Search.Workers;

namespace CellDsl.Cli.Commands
{
    /// <summary>
    /// `celldsl search worker` (hidden): one worker process of `search run --workers N`. It claims the store's jobs,
    /// compiles and trains their candidates, records the results, and exits on Ctrl-C (giving its job back) or when
    /// the search that started it is gone. `search run` starts these itself; started by hand on other machines over a
    /// PostgreSQL store, they help a search that runs with --workers.
    /// </summary>
    public static class SearchWorkerCommand
    {
        /// <summary>A worker's lease: how long a killed worker's job waits before another worker takes it.</summary>
        public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(2);

        public static Command Create(TextWriter output)
        {
            var store = SearchCommand.StoreOption();
            var name = new Option<string>("--name") { Description = "The name claims are recorded under (default: host and process id).", HelpName = "NAME" };
            var parent = CommonOptions.Whole("--parent", "Exit when the process with this id has exited (the search that started this worker).", 1, "PID");
            var lease = LeaseOption();
            var command = new Command("worker", "Evaluate a search's jobs from its store until stopped (search run --workers starts these).")
            {
                store, name, parent, lease,
            };
            command.Hidden = true;
            command.SetAction(parse =>
            {
                string location = parse.GetValue(store)!;
                var error = parse.InvocationConfiguration.Error;
                if (!location.StartsWith(SearchStore.PostgresPrefix, StringComparison.OrdinalIgnoreCase) && !File.Exists(location))
                {
                    error.WriteLine($"There is no search store '{location}': start the search with `celldsl search run` first.");
                    return ExitCodes.Usage;
                }
                string worker = parse.GetValue(name) ?? $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
                using var signals = new StopSignals();
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(signals.Token);
                using var watch = parse.GetResult(parent) is { Implicit: false } ? WatchParent(parse.GetValue(parent), stop) : null;
                try
                {
                    using var opened = SearchStore.Open(location);
                    using var host = new CandidateWorker(opened, worker);
                    var summary = host.Run(new WorkerOptions { Lease = Lease(parse, lease) }, stop.Token);
                    output.WriteLine($"{worker}: {summary.Completed} jobs completed, {summary.Released} given back, {summary.Lost} lost to another worker");
                    return ExitCodes.Success;
                }
                catch (SearchStoreException e)
                {
                    error.WriteLine(e.Message);
                    return ExitCodes.Failure;
                }
                catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
                {
                    // No store (a search not started yet), or a database that stayed unreachable through the retries.
                    error.WriteLine($"{worker}: {e.Message}");
                    return ExitCodes.Failure;
                }
            });
            return command;
        }

        /// <summary>The hidden --lease-seconds option of `search run` and `search worker` (tests shorten it).</summary>
        public static Option<int> LeaseOption()
        {
            var option = CommonOptions.Whole("--lease-seconds", $"Seconds a worker's claim holds without renewal (default {DefaultLease.TotalSeconds:0}).", 1, "S");
            option.Hidden = true;
            return option;
        }

        public static TimeSpan Lease(ParseResult parse, Option<int> lease)
            => parse.GetResult(lease) is { Implicit: false } ? TimeSpan.FromSeconds(parse.GetValue(lease)) : DefaultLease;

        /// <summary>How to start this program as a worker: the running dotnet host with this assembly, or the apphost
        /// beside it (an installed tool), whichever this process is.</summary>
        public static ProcessStartInfo StartInfo(string store, string name, TimeSpan lease)
        {
            string assembly = typeof(SearchWorkerCommand).Assembly.Location;
            string? process = Environment.ProcessPath;
            string apphost = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
            ProcessStartInfo info;
            if (process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                info = new ProcessStartInfo(process) { ArgumentList = { assembly } };
            else if (File.Exists(apphost))
                info = new ProcessStartInfo(apphost);
            else
                info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { ArgumentList = { assembly } };
            foreach (string a in new[] { "search", "worker", "--store", store, "--name", name, "--parent", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                         "--lease-seconds", ((int)Math.Ceiling(lease.TotalSeconds)).ToString(CultureInfo.InvariantCulture) })
                info.ArgumentList.Add(a);
            return info;
        }

        // A worker whose search died (killed, never got to stop it) would otherwise wait for jobs forever.
        private static Timer? WatchParent(int pid, CancellationTokenSource stop)
        {
            Process parent;
            try { parent = Process.GetProcessById(pid); }
            catch (ArgumentException) { stop.Cancel(); return null; }
            return new Timer(_ => { if (parent.HasExited) stop.Cancel(); }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
    }
}
