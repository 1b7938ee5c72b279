using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Cli.Rendering;
using CellDsl.Cli.Runs;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Search;
using CellDsl.Search.Store;
using CellDsl.Search.Workers;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl search run`: the paper's procedure (<see cref="SearchLoop"/>) over a store, at budgets that
    /// finish in about a minute unless raised.</summary>
    public static class SearchRunCommand
    {
        public static Command Create(TextWriter output, TextStyle style)
        {
            var store = SearchCommand.StoreOption();
            var budget = new SearchBudgetOptions(SearchBudget.Run);
            var resume = new Option<bool>("--resume") { Description = "Continue the search the store holds, with the options it was started with." };
            var workers = CommonOptions.Positive("--workers", $"Worker processes, each on one core (default: one per core, {WorkerLauncher.DefaultCount} here); 1 evaluates in this process.", WorkerLauncher.DefaultCount);
            var leaseSeconds = SearchWorkerCommand.LeaseOption();
            var command = new Command("run", "Run the search of Jozefowicz et al. (2015) §3.1, writing every architecture and result to the store; Ctrl-C stops it between steps.")
            {
                store,
            };
            budget.AddTo(command);
            command.Options.Add(resume);
            command.Options.Add(workers);
            command.Options.Add(leaseSeconds);
            command.SetAction(parse =>
            {
                string location = parse.GetValue(store)!;
                var error = parse.InvocationConfiguration.Error;
                bool postgres = location.StartsWith(SearchStore.PostgresPrefix, StringComparison.OrdinalIgnoreCase);
                if (parse.GetValue(resume) && !postgres && !File.Exists(location))
                {
                    error.WriteLine($"There is no search store '{location}' to resume: name the file a search wrote, or drop --resume to start one.");
                    return ExitCodes.Usage;
                }
                if (budget.PtbProblem(parse) is { } ptbProblem)
                {
                    error.WriteLine(ptbProblem);
                    return ExitCodes.Usage;
                }
                var options = budget.ToOptions(parse);
                try
                {
                    using var opened = SearchStore.Open(location);
                    // The LSTM is the first thing a search writes: a store holding it holds a search.
                    bool started = opened.FindByKey(CanonicalKey.Of(Baselines.Lstm)) is not null;
                    if (started && !parse.GetValue(resume))
                    {
                        error.WriteLine($"The store '{location}' already holds a search: pass --resume (with the options it was started with) to continue it, or name a new store.");
                        return ExitCodes.Usage;
                    }
                    int count = parse.GetValue(workers);
                    var processes = new List<Process>();
                    SearchLoop loop;
                    try
                    {
                        loop = new SearchLoop(opened, options) { AwaitWorkers = count == 1 ? null : () => CheckWorkers(processes) };
                    }
                    catch (ArgumentException e)
                    {
                        error.WriteLine($"--resume: {e.Message}");
                        return ExitCodes.Usage;
                    }
                    if (count == 1) return Run(loop, opened, parse.GetValue(budget.Steps), output, error, style);
                    // The loop has stored the options the workers read; the workers' names are unique per run.
                    var lease = SearchWorkerCommand.Lease(parse, leaseSeconds);
                    string run = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                    processes.AddRange(WorkerLauncher.Start(count, i => SearchWorkerCommand.StartInfo(location, $"w{i + 1}-{run}", lease)));
                    try
                    {
                        return Run(loop, opened, parse.GetValue(budget.Steps), output, error, style);
                    }
                    finally
                    {
                        StopWorkers(processes);
                    }
                }
                catch (SearchStoreException e)
                {
                    error.WriteLine(e.Message);
                    return ExitCodes.Failure;
                }
            });
            return command;
        }

        private static int Run(SearchLoop loop, ISearchStore store, int steps, TextWriter output, TextWriter error, TextStyle style)
        {
            using var stop = new StopSignals();
            var since = DateTimeOffset.UtcNow;
            // The display's own log (it reads from its own thread); rates and times are this run's, counts the store's whole history.
            var log = ResultLog.Read(store);
            var resumedWith = SearchViews.Totals(log);
            // --steps is the search's whole budget: a resumed search runs what is left of it.
            int before = loop.StepsDone, step = before;
            if (before >= steps)
            {
                output.WriteLine($"The search in this store has run its {before} steps (--steps {steps}): nothing left to run. Give a larger --steps to extend it.");
                return ExitCodes.Success;
            }
            SearchStatus Status() => SearchViews.Status(log, store, step, steps, loop.Progress.Duplicates, since, resumedWith);
            SearchSummary? summary = null;
            string? gaveUp = null;
            SearchViews.For(output, style).Run(Status, stepped =>
            {
                loop.StepDone += (done, _) => { step = before + done; stepped(); };
                try { summary = loop.Run(steps - before, stop.Token); }
                catch (OperationCanceledException) when (stop.Token.IsCancellationRequested) { summary = loop.Progress; }
                catch (WorkersGoneException e) { gaveUp = e.Message; summary = loop.Progress; }
                // The store failed under the loop (a lock held past the busy timeout, a server gone): every finished
                // step and result is in it, so the search stops with that said instead of a stack trace.
                catch (DbException e) { gaveUp = $"{(store is SqlSearchStore sql ? sql.Location : "The search store")} failed: {e.Message}"; summary = loop.Progress; }
            });
            var s = summary!;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Steps} steps: {s.Mutants} new mutants ({s.Duplicates} duplicates), {s.Filtered} filtered, {s.Dropped} dropped, {s.Scored} scored, {s.Reevaluations} re-evaluations, {s.FailedJobs} failed runs."));
            if (gaveUp is not null)
            {
                error.WriteLine(gaveUp + " Run the same command with --resume to continue.");
                return ExitCodes.Failure;
            }
            if (before + s.Steps < steps)
                output.WriteLine("Stopped. Run the same command with --resume to continue.");
            return ExitCodes.Success;
        }

        /// <summary>Every worker process exited while the search waits on them: nothing would run its jobs.</summary>
        private sealed class WorkersGoneException(string message) : Exception(message);

        private static void CheckWorkers(IReadOnlyList<Process> processes)
        {
            if (processes.Count == 0 || !processes.All(p => p.HasExited)) return;
            throw new WorkersGoneException("Every worker process has exited (exit codes " + string.Join(", ", processes.Select(p => p.ExitCode)) + "), so nothing runs the search's jobs; their errors are above.");
        }

        /// <summary>SIGTERM to each worker, so it gives back an unfinished job, then a kill for one that does not exit.</summary>
        private static void StopWorkers(List<Process> processes)
        {
            foreach (var p in processes) WorkerLauncher.Terminate(p);
            foreach (var p in processes)
            {
                if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill();
                p.WaitForExit();
                p.Dispose();
            }
        }
    }
}
