using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Store;

namespace CellDsl.Cli.Rendering
{
    /// <summary>One architecture on the leaderboard: its best score per task and its fitness against the GRU.</summary>
    /// <param name="Fitness">min over the GRU's tasks of (best score / the GRU's best); null when the store holds no
    /// GRU score or the architecture lacks a score on one of those tasks (filtered out, dropped early, failed).</param>
    public sealed record LeaderboardRow(long ArchitectureId, string Name, IReadOnlyDictionary<string, double> BestByTask, double? Fitness,
        int Evaluations, int Failures)
    {
        /// <summary>Seconds spent compiling the architecture, over all its runs (the filter's too) and every worker
        /// that compiled it.</summary>
        public double CompileSeconds { get; init; }

        /// <summary>Seconds spent training and scoring it, over the same runs.</summary>
        public double TrainSeconds { get; init; }

        /// <summary>The same fitness against each of <see cref="LeaderboardTable.Compared"/> (null as for <see cref="Fitness"/>).</summary>
        public IReadOnlyDictionary<string, double?> Against { get; init; } = new Dictionary<string, double?>();
    }

    /// <summary>`celldsl search leaderboard`: the store's results ranked by the paper's fitness, per-task bests beside it.</summary>
    public static class LeaderboardTable
    {
        /// <summary>The baseline fitness is relative to (Jozefowicz et al. 2015 §3).</summary>
        public const string Baseline = "GRU";

        /// <summary>The other baselines every architecture is compared with the same way: the paper's LSTM, and LSTM-b,
        /// the LSTM with its forget-gate bias at 1, which the paper finds closes the LSTM's gap to the GRU.</summary>
        public static readonly string[] Compared = { "LSTM", "LSTM-b" };

        public static IReadOnlyList<LeaderboardRow> Rows(ISearchStore store) => Rows(ResultLog.Read(store));

        /// <summary>The board of what <paramref name="log"/> has read (a live display refreshes it first).</summary>
        public static IReadOnlyList<LeaderboardRow> Rows(ResultLog log)
        {
            // Only training tasks count: the memorization filter gates candidates, it does not rank them.
            var ranked = log.Architectures.Where(a => a.TaskRuns > 0).ToList();
            var names = ranked.ToDictionary(a => a.ArchitectureId, a => log.Architecture(a.ArchitectureId) is { } found ? Label(found) : $"#{a.ArchitectureId}");

            IReadOnlyDictionary<string, double>? BestOf(string name)
                => ranked.Where(a => string.Equals(names[a.ArchitectureId], name, StringComparison.OrdinalIgnoreCase)).Select(a => a.BestByTask).FirstOrDefault();
            var baseline = BestOf(Baseline);
            var compared = Compared.ToDictionary(n => n, BestOf);
            // The search's own fitness, except that an architecture not yet scored on every task is left unranked
            // (the search counts a task with no score as 0: every run of it failed). The same against the others.
            double? FitnessOf(IReadOnlyDictionary<string, double> scores, IReadOnlyDictionary<string, double>? against)
                => baseline is null || baseline.Count == 0 || !baseline.Keys.All(scores.ContainsKey)
                   || against is null || !baseline.Keys.All(against.ContainsKey) ? null
                   : Fitness.Of(scores, against, baseline.Keys);

            return ranked
                .Select(a =>
                {
                    var best = new Dictionary<string, double>(a.BestByTask, StringComparer.OrdinalIgnoreCase);
                    return new LeaderboardRow(a.ArchitectureId, names[a.ArchitectureId], best, FitnessOf(best, baseline), a.TaskRuns, a.TaskFailures)
                    {
                        CompileSeconds = a.CompileSeconds,
                        TrainSeconds = a.TrainSeconds,
                        Against = compared.ToDictionary(c => c.Key, c => FitnessOf(best, c.Value)),
                    };
                })
                .OrderByDescending(r => r.Fitness ?? double.NegativeInfinity).ThenBy(r => r.ArchitectureId)
                .ToList();
        }

        /// <summary>An architecture's name on the board: the stored one, or m-ID for a mutant (stored without a name).</summary>
        public static string Label(Architecture a) => a.Name.Length > 0 ? a.Name : "m-" + a.Id.ToString(CultureInfo.InvariantCulture);

        public static void Write(TextWriter output, string store, IReadOnlyList<LeaderboardRow> rows, int top, TextStyle style)
        {
            int evaluations = rows.Sum(r => r.Evaluations), failures = rows.Sum(r => r.Failures);
            output.WriteLine($"{store}: {rows.Count} {(rows.Count == 1 ? "architecture" : "architectures")}, {evaluations} task {(evaluations == 1 ? "evaluation" : "evaluations")} ({failures} failed)");
            if (rows.Count == 0)
                return;
            if (!rows.Any(r => string.Equals(r.Name, Baseline, StringComparison.OrdinalIgnoreCase) && r.BestByTask.Count > 0))
                output.WriteLine(style.Yellow($"No {Baseline} score in the store: fitness is relative to the {Baseline}'s best score per task, so it is left out."));
            output.WriteLine($"fitness = min over tasks of (best score / the {Baseline}'s best score); {string.Join(" and ", Compared.Select(c => "/" + c.ToUpperInvariant()))}: " +
                             "the same against those baselines (every model matched to the GRU's parameter count); COMPILE and TRAIN: seconds spent on the architecture, all its runs");
            output.WriteLine();

            var tasks = rows.SelectMany(r => r.BestByTask.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            var shown = rows.Take(top).ToList();
            string[] header = new[] { "RANK", "ARCHITECTURE", "FITNESS" }.Concat(Compared.Select(c => "/" + c.ToUpperInvariant())).Concat(tasks)
                .Append("COMPILE").Append("TRAIN").Append("RUNS").ToArray();
            var cells = shown.Select((r, i) => new[] { (i + 1).ToString(CultureInfo.InvariantCulture), r.Name, Format(r.Fitness) }
                .Concat(Compared.Select(c => Format(r.Against.TryGetValue(c, out var f) ? f : null)))
                .Concat(tasks.Select(t => Format(r.BestByTask.TryGetValue(t, out double s) ? s : null)))
                .Append(r.CompileSeconds.ToString("0.00", CultureInfo.InvariantCulture)).Append(r.TrainSeconds.ToString("0.0", CultureInfo.InvariantCulture))
                .Append(r.Failures == 0 ? r.Evaluations.ToString(CultureInfo.InvariantCulture) : $"{r.Evaluations} ({r.Failures} failed)").ToArray()).ToList();
            var widths = header.Select((h, c) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(row => row[c].Length))).ToArray();

            // Names left-aligned, numbers right-aligned; padded before styling so escape codes do not count as width.
            string Line(string[] row) => string.Join("  ", row.Select((v, c) => c == 1 ? v.PadRight(widths[c]) : v.PadLeft(widths[c])));
            output.WriteLine(style.Bold(Line(header)));
            foreach (var row in cells)
                output.WriteLine(Line(row));
            if (rows.Count > shown.Count)
                output.WriteLine($"... and {rows.Count - shown.Count} more (--top {rows.Count} shows all)");
        }

        private static string Format(double? value) => value?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-";
    }
}
