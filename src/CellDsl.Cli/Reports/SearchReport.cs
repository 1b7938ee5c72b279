using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using CellDsl.Cli.Rendering;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Store;

namespace CellDsl.Cli.Reports
{
    /// <summary>Where a candidate stands: ranked (a fitness), stopped at the memorization filter (no task run), or
    /// unranked (task runs, but not a score on every task: dropped early or failed).</summary>
    public enum CandidateStanding { Ranked, Filtered, Unranked }

    /// <summary>One architecture in the order the search first finished a run of it.</summary>
    /// <param name="Order">1 for the first architecture evaluated.</param>
    public sealed record EvaluatedCandidate(int Order, long ArchitectureId, string Name, double? Fitness, CandidateStanding Standing);

    /// <summary>An architecture's best run on a task: its score, the setting it ran with, and the model's size.</summary>
    /// <param name="Setting">The hyperparameters as stored (JSON); <see cref="Parsed"/> when they are a grid setting.</param>
    public sealed record BestRun(string Task, double Score, string Setting, Hyperparameters? Parsed, long? ModelParameters, int? Hidden);

    /// <summary>A ranked architecture of the report, with its graph and its best run per task.</summary>
    public sealed record ReportCell(LeaderboardRow Row, Architecture Architecture, CellGraph Graph, bool IsBaseline,
        IReadOnlyDictionary<string, BestRun> Best)
    {
        public string Name => Row.Name;
    }

    /// <summary>
    /// What `celldsl search report` shows, read from a store: every candidate in evaluation order with its fitness
    /// (the leaderboard's, against the GRU's best so far), the top architectures with their graphs and best runs, and
    /// the baselines (LSTM, LSTM-b, GRU) the store holds.
    /// </summary>
    public sealed class SearchReport
    {
        /// <summary>The baselines the per-task plot compares the top cells with, when the store has scores of them.</summary>
        public static readonly IReadOnlyList<(string Name, Func<CellGraph> Graph)> BaselineCells =
            new (string, Func<CellGraph>)[] { ("LSTM", () => Search.Candidates.Baselines.Lstm), ("LSTM-b", () => Search.Candidates.Baselines.LstmB), ("GRU", () => Search.Candidates.Baselines.Gru) };

        private SearchReport(string store) => Store = store;

        public string Store { get; }
        public IReadOnlyList<string> Tasks { get; private init; } = [];
        public IReadOnlyList<EvaluatedCandidate> Candidates { get; private init; } = [];
        public IReadOnlyList<ReportCell> Top { get; private init; } = [];
        public IReadOnlyList<ReportCell> Baselines { get; private init; } = [];
        public int Runs { get; private init; }
        public int FailedRuns { get; private init; }
        public double CompileSeconds { get; private init; }
        public double TrainSeconds { get; private init; }
        public DateTimeOffset? First { get; private init; }
        public DateTimeOffset? Last { get; private init; }

        /// <summary>The search's options as stored (JSON), when a search loop wrote the store.</summary>
        public string? Options { get; private init; }

        /// <summary>Reads the report's data. A store with no results is an <see cref="InvalidDataException"/> saying to run the
        /// search; an architecture whose stored graph does not parse is one naming it.</summary>
        public static SearchReport Read(ISearchStore store, string location, int top)
        {
            ArgumentNullException.ThrowIfNull(store);
            var results = store.Results();
            if (results.Count == 0)
                throw new InvalidDataException($"The store '{location}' holds no finished runs yet: run the search first (celldsl search run --store {location}).");
            var rows = LeaderboardTable.Rows(store);
            var rowOf = rows.ToDictionary(r => r.ArchitectureId);

            var candidates = new List<EvaluatedCandidate>();
            var seen = new HashSet<long>();
            foreach (var (job, _, _) in results)
            {
                if (!seen.Add(job.ArchitectureId)) continue;
                var standing = !rowOf.TryGetValue(job.ArchitectureId, out var row) ? CandidateStanding.Filtered
                    : row.Fitness is null ? CandidateStanding.Unranked : CandidateStanding.Ranked;
                string name = row?.Name ?? (store.FindArchitecture(job.ArchitectureId) is { } a ? LeaderboardTable.Label(a) : $"#{job.ArchitectureId}");
                candidates.Add(new EvaluatedCandidate(candidates.Count + 1, job.ArchitectureId, name, row?.Fitness, standing));
            }

            var taskRuns = results.Where(r => r.Job.Kind == JobKind.Task && r.Result.Score is double s && !double.IsNaN(s)).ToList();
            ReportCell Cell(LeaderboardRow row, bool baseline)
            {
                var arch = store.FindArchitecture(row.ArchitectureId)
                    ?? throw new InvalidDataException($"The store '{location}' has results of architecture {row.ArchitectureId}, which it does not hold.");
                CellGraph graph;
                try { graph = GraphText.Read(arch.GraphText); }
                catch (FormatException e) { throw new InvalidDataException($"The store '{location}' holds a malformed graph for architecture {arch.Id} ({row.Name}): {e.Message}", e); }
                if (GraphAnalysis.Validate(graph) is [var first, ..])
                    throw new InvalidDataException($"The store '{location}' holds an invalid graph for architecture {arch.Id} ({row.Name}): {first}.");
                var best = taskRuns.Where(r => r.Job.ArchitectureId == arch.Id).GroupBy(r => r.Job.Task, StringComparer.OrdinalIgnoreCase)
                    .Select(g => g.OrderByDescending(r => r.Result.Score).ThenBy(r => r.Job.Id).First())
                    .ToDictionary(r => r.Job.Task, r => Run(r.Job, r.Result), StringComparer.OrdinalIgnoreCase);
                return new ReportCell(row, arch, graph, baseline, best);
            }
            bool IsBaseline(LeaderboardRow row) => BaselineCells.Any(b => string.Equals(b.Name, row.Name, StringComparison.OrdinalIgnoreCase));
            var baselines = BaselineCells
                .Select(b => rows.FirstOrDefault(r => string.Equals(r.Name, b.Name, StringComparison.OrdinalIgnoreCase))
                             ?? rows.FirstOrDefault(r => store.FindArchitecture(r.ArchitectureId)?.CanonicalKey == CanonicalKey.Of(b.Graph())))
                .OfType<LeaderboardRow>().Distinct().Select(r => Cell(r, baseline: true)).ToList();

            return new SearchReport(location)
            {
                Tasks = rows.SelectMany(r => r.BestByTask.Keys).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList(),
                Candidates = candidates,
                Top = rows.Take(top).Select(r => Cell(r, IsBaseline(r))).ToList(),
                Baselines = baselines,
                Runs = results.Count,
                FailedRuns = results.Count(r => r.Result.Failure is not null),
                CompileSeconds = results.Sum(r => r.Result.CompileSeconds),
                TrainSeconds = results.Sum(r => r.Result.TrainSeconds),
                First = results[0].FinishedAt,
                Last = results[^1].FinishedAt,
                Options = store.GetSetting("search.options"),
            };
        }

        /// <summary>The running maximum of the ranked candidates' fitness, in evaluation order (null before the first).</summary>
        public IReadOnlyList<double?> BestSoFar()
        {
            double? best = null;
            return Candidates.Select(c => best = c.Fitness is double f && (best is null || f > best) ? f : best).ToList();
        }

        private static BestRun Run(Job job, JobResult result)
        {
            Hyperparameters? setting = null;
            try { setting = Hyperparameters.FromJson(job.Hyperparameters); }
            catch (FormatException) { }   // not a grid setting (a store written by other code): shown as stored
            long? parameters = null;
            int? hidden = null;
            try
            {
                using var details = JsonDocument.Parse(result.Details);
                if (details.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (details.RootElement.TryGetProperty("parameters", out var p) && p.TryGetInt64(out long pv)) parameters = pv;
                    if (details.RootElement.TryGetProperty("hidden", out var h) && h.TryGetInt32(out int hv)) hidden = hv;
                }
            }
            catch (JsonException) { }   // details are the evaluator's free-form report; without them the size is unknown
            return new BestRun(job.Task, result.Score!.Value, job.Hyperparameters, setting, parameters, hidden);
        }
    }
}
