using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using CellDsl.Cli.Rendering;
using CellDsl.Search.Store;
using Spectre.Console;

namespace CellDsl.Cli.Runs
{
    /// <summary>Where a search is, read from its store (so workers in other processes count) and from its loop.</summary>
    /// <param name="Evaluated">Architectures with at least one result.</param>
    /// <param name="Filtered">Evaluated architectures without a task score (filtered out, or every run failed).</param>
    /// <param name="RunsPerMinute">Results recorded per minute since this command started.</param>
    /// <param name="CompileSeconds">Compile time recorded by this command's runs, all workers together.</param>
    /// <param name="TrainSeconds">Training time recorded by this command's runs, all workers together.</param>
    /// <param name="Workers">What each worker reporting since this command started is doing.</param>
    public sealed record SearchStatus(int Step, int Steps, int Evaluated, int Filtered, int FailedRuns, int Duplicates,
        string? Leader, double? Fitness, double RunsPerMinute, double CompileSeconds, double TrainSeconds, long Pending,
        long Claimed, IReadOnlyList<WorkerActivity> Workers, TimeSpan Elapsed, DateTimeOffset Now);

    /// <summary>Runs a search under a display: a live table on a terminal, a line per step elsewhere.</summary>
    public interface ISearchView
    {
        /// <param name="status">Reads the search's state (called from the display's thread too).</param>
        /// <param name="search">Runs the search; calls its argument after each step.</param>
        void Run(Func<SearchStatus> status, Action<Action> search);
    }

    public static class SearchViews
    {
        /// <summary>The search's state, from <paramref name="log"/> refreshed (so each call reads only the results
        /// recorded since the last). <paramref name="since"/> is when this command started; <paramref name="resumedWith"/>
        /// the log's totals then (<see cref="Totals"/>), so rates and times are this run's while counts are the whole search's.</summary>
        public static SearchStatus Status(ResultLog log, ISearchStore store, int step, int steps, int duplicates, DateTimeOffset since, RunTotals resumedWith)
        {
            log.Refresh();
            var best = LeaderboardTable.Rows(log).FirstOrDefault(r => r.Fitness is not null);
            var counts = store.Counts();
            var now = DateTimeOffset.UtcNow;
            var elapsed = now - since;
            var recent = Totals(log) - resumedWith;
            int scored = log.Architectures.Count(a => a.TaskRuns > 0);
            // A worker of an earlier run that never said it stopped is not one of ours.
            var workers = store.Activities().Where(a => a.SeenAt >= since - TimeSpan.FromSeconds(1)).ToList();
            return new SearchStatus(step, steps, log.Architectures.Count, log.Architectures.Count - scored, log.Failures, duplicates,
                best?.Name, best?.Fitness, recent.Runs / Math.Max(elapsed.TotalMinutes, 1e-9), recent.CompileSeconds,
                recent.TrainSeconds, counts[JobStatus.Pending], counts[JobStatus.Claimed], workers, elapsed, now);
        }

        /// <summary>Runs and their seconds, all workers together.</summary>
        public readonly record struct RunTotals(int Runs, double CompileSeconds, double TrainSeconds)
        {
            public static RunTotals operator -(RunTotals a, RunTotals b) => new(a.Runs - b.Runs, a.CompileSeconds - b.CompileSeconds, a.TrainSeconds - b.TrainSeconds);
        }

        /// <summary>What the log has read so far, to subtract from a later reading.</summary>
        public static RunTotals Totals(ResultLog log) => new(log.All.Count, log.CompileSeconds, log.TrainSeconds);

        /// <summary>A live Spectre table when the style says output is an interactive terminal and Spectre agrees;
        /// plain lines for files, pipes, CI and tests.</summary>
        public static ISearchView For(TextWriter output, TextStyle style)
            => TrainingViews.LiveConsole(output, style) is { } console ? Live(console) : new PlainView(output);

        /// <summary>The live table on a console of the caller's.</summary>
        public static ISearchView Live(IAnsiConsole console) => new LiveView(console ?? throw new ArgumentNullException(nameof(console)));

        /// <summary>The line a step ends with in a log.</summary>
        public static string Format(SearchStatus s)
            => string.Create(CultureInfo.InvariantCulture,
                $"step {s.Step}/{s.Steps}: {s.Evaluated} evaluated, {s.Filtered} filtered, {s.FailedRuns} failed runs, {s.Duplicates} duplicates; {Leader(s)}; " +
                $"{s.RunsPerMinute:0.0} runs/min, compile {s.CompileSeconds:0.0} s, training {s.TrainSeconds:0.0} s; {s.Elapsed.TotalSeconds:0.0} s");

        internal static string Leader(SearchStatus s)
            => s.Fitness is { } f ? string.Create(CultureInfo.InvariantCulture, $"best {s.Leader} fitness {f:0.000}") : "no fitness yet";

        private static string For(TimeSpan t) => t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{Math.Max(0, t.Seconds)}s";

        private sealed class PlainView(TextWriter output) : ISearchView
        {
            public void Run(Func<SearchStatus> status, Action<Action> search)
                => search(() => { output.WriteLine(Format(status())); output.Flush(); });
        }

        /// <summary>The counts, the leader, the time split and one row per worker, redrawn every second while the
        /// search runs on a thread of its own (Spectre draws from this one).</summary>
        private sealed class LiveView(IAnsiConsole console) : ISearchView
        {
            public void Run(Func<SearchStatus> status, Action<Action> search)
            {
                Exception? failed = null;
                using var stepped = new AutoResetEvent(false);
                var thread = new Thread(() =>
                {
                    try { search(() => stepped.Set()); }
                    catch (Exception e) { failed = e; }
                }) { Name = "search" };
                console.Live(Render(status())).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(context =>
                {
                    thread.Start();
                    while (!thread.Join(0))
                    {
                        stepped.WaitOne(TimeSpan.FromSeconds(1));
                        context.UpdateTarget(Render(status()));
                    }
                    context.UpdateTarget(Render(status()));
                });
                if (failed is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failed).Throw();
            }

            private static Table Render(SearchStatus s)
            {
                string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
                var table = new Table().Border(TableBorder.Rounded).AddColumn("search").AddColumn("");
                table.AddRow("step", $"{s.Step}/{s.Steps}   {For(s.Elapsed)}");
                table.AddRow("architectures", $"{s.Evaluated} evaluated, {s.Filtered} filtered, {s.Duplicates} duplicates");
                table.AddRow("runs", $"{s.FailedRuns} failed, {s.Pending} queued, {s.Claimed} running, {F(s.RunsPerMinute, "0.0")}/min");
                table.AddRow("best", Markup.Escape(Leader(s)));
                double total = s.CompileSeconds + s.TrainSeconds;
                table.AddRow("time", $"compile {F(s.CompileSeconds, "0.0")} s, training {F(s.TrainSeconds, "0.0")} s"
                    + (total > 0 ? $" ({F(100 * s.CompileSeconds / total, "0")}% compiling)" : ""));
                foreach (var w in s.Workers)
                    table.AddRow(Markup.Escape(w.Worker), Markup.Escape($"{w.Activity} ({For(s.Now - w.Since)})"));
                return table;
            }
        }
    }
}
