using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
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
        public static Command Create(TextWriter output)
        {
            var store = SearchCommand.StoreOption();
            var budget = new SearchBudgetOptions(SearchBudget.Run);
            var resume = new Option<bool>("--resume") { Description = "Continue the search the store holds, with the options it was started with." };
            var command = new Command("run", "Run the search of Jozefowicz et al. (2015) §3.1, writing every architecture and result to the store; Ctrl-C stops it between steps.")
            {
                store,
            };
            budget.AddTo(command);
            command.Options.Add(resume);
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
                    SearchLoop loop;
                    try { loop = new SearchLoop(opened, options); }
                    catch (ArgumentException e)
                    {
                        error.WriteLine($"--resume: {e.Message}");
                        return ExitCodes.Usage;
                    }
                    return Run(loop, opened, parse.GetValue(budget.Steps), output);
                }
                catch (SearchStoreException e)
                {
                    error.WriteLine(e.Message);
                    return ExitCodes.Failure;
                }
            });
            return command;
        }

        private static int Run(SearchLoop loop, ISearchStore store, int steps, TextWriter output)
        {
            using var stop = new StopSignals();
            var clock = Stopwatch.StartNew();
            int resumedWith = store.Results().Count;   // the rate is this run's, not the store's history
            loop.StepDone += (step, best) =>
            {
                // Counted from the store, so a resumed search reports its whole history.
                var results = store.Results();
                var evaluated = results.Select(r => r.Job.ArchitectureId).ToHashSet();
                var scored = results.Where(r => r.Job.Kind == JobKind.Task).Select(r => r.Job.ArchitectureId).ToHashSet();
                int failed = results.Count(r => r.Result.Failure is not null);
                string leader = best?.Fitness is { } f ? $"best {Label(best.Architecture)} fitness {f.ToString("0.000", CultureInfo.InvariantCulture)}" : "no fitness yet";
                double rate = (results.Count - resumedWith) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step}/{steps}: {evaluated.Count} evaluated, {evaluated.Count - scored.Count} filtered, {failed} failed runs; {leader}; {clock.Elapsed.TotalSeconds:0.0} s, {rate:0.00} runs/s"));
            };
            var summary = loop.Run(steps, stop.Token);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Steps} steps: {summary.Mutants} new mutants ({summary.Duplicates} duplicates), {summary.Filtered} filtered, {summary.Dropped} dropped, {summary.Scored} scored, {summary.Reevaluations} re-evaluations, {summary.FailedJobs} failed runs."));
            if (summary.Steps < steps)
                output.WriteLine("Stopped. Run the same command with --resume to continue.");
            return ExitCodes.Success;
        }

        /// <summary>A stored architecture's name: the baseline's, or m-ID for a mutant (as the loop labels it).</summary>
        public static string Label(Architecture a) => a.Name.Length > 0 ? a.Name : "m-" + a.Id.ToString(CultureInfo.InvariantCulture);
    }
}
