using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Mutation;
using CellDsl.Search.Store;

namespace CellDsl.Search.Search
{
    /// <summary>How the search runs; written to the store when it starts, so a resumed search runs the same way.</summary>
    public sealed record SearchOptions
    {
        /// <summary>Seed of every choice the loop makes (which step, which parent, mutation and job seeds, settings).</summary>
        public long Seed { get; init; } = 1;

        /// <summary>The list mutations and re-evaluations draw from (the paper: 100).</summary>
        public int TopN { get; init; } = 100;

        /// <summary>The chance that a step re-evaluates a listed architecture rather than mutating one.</summary>
        public double ReevaluateProbability { get; init; } = 0.25;

        /// <summary>Mutants made per mutation step, compiled in one Roslyn compilation.</summary>
        public int MutantsPerStep { get; init; } = 4;

        public EvaluationSettings Evaluation { get; init; } = new();

        public void Validate()
        {
            Evaluation.Validate();
            if (TopN <= 0) throw new ArgumentException($"TopN must be positive, got {TopN}.");
            if (!(ReevaluateProbability >= 0 && ReevaluateProbability <= 1)) throw new ArgumentException($"ReevaluateProbability must be in [0, 1], got {ReevaluateProbability}.");
            if (MutantsPerStep <= 0) throw new ArgumentException($"MutantsPerStep must be positive, got {MutantsPerStep}.");
        }
    }

    /// <summary>An architecture's standing: its best accuracy per task and its fitness (null until scored on every task).</summary>
    public sealed record Standing(Architecture Architecture, IReadOnlyDictionary<string, double> Best, double? Fitness);

    /// <summary>What one run of <see cref="SearchLoop.Run"/> did.</summary>
    public sealed record SearchSummary(int Steps, int Mutants, int Duplicates, int Filtered, int Dropped, int Scored,
        int Reevaluations, int FailedJobs, int UnmutatableParents);

    /// <summary>
    /// The procedure of Jozefowicz et al. (2015), §3.1, over an <see cref="ISearchStore"/>. The store starts with the LSTM
    /// and the GRU, each evaluated on <see cref="EvaluationSettings.SettingsPerTask"/> settings per task. Each step then
    /// either picks a random architecture of the top N and evaluates it on fresh settings (never one it was evaluated
    /// on), or mutates random ones of the top N: a mutant the store already holds (same canonical key) is not evaluated
    /// again; a new one runs the memorization filter with one setting, and if it passes, the tasks in order, dropped as
    /// soon as its best on a task is below <see cref="EvaluationSettings.DropFraction"/> of the GRU's. Every choice comes
    /// from the loop's generator, whose seed and state are kept in the store, or from a generator seeded with a
    /// mutant's recorded seed (its settings and job seeds), so a stopped search resumes where it was. This process is
    /// its own worker: it queues jobs and evaluates whatever the store hands it.
    /// </summary>
    public sealed class SearchLoop
    {
        private const string OptionsSetting = "search.options";
        private const string RandomSetting = "search.random";

        private readonly ISearchStore _store;
        private readonly CandidateEvaluator _evaluator;
        private readonly CellRandom _random;
        private readonly string _worker;
        private readonly Dictionary<long, CandidateBatch> _compiled = new();
        private readonly Dictionary<long, CompiledCandidate> _candidates = new();
        private int _failedJobs;

        public SearchLoop(ISearchStore store, SearchOptions options, string worker = "search")
        {
            _store = store ?? throw new ArgumentNullException(nameof(store));
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            string json = JsonSerializer.Serialize(options);
            string? stored = store.GetSetting(OptionsSetting);
            if (stored is null) store.SetSetting(OptionsSetting, json);
            else if (stored != json)
                throw new ArgumentException($"The store holds a search started with other options; resume it with those or use a new store. Stored: {stored}", nameof(options));
            Options = options;
            _evaluator = new CandidateEvaluator(options.Evaluation);
            _random = new CellRandom(options.Seed);
            if (store.GetSetting(RandomSetting) is { } state) _random.State = ulong.Parse(state, CultureInfo.InvariantCulture);
            _worker = worker;
        }

        public SearchOptions Options { get; }

        public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);

        /// <summary>Raised after each step with the current leaderboard's best.</summary>
        public event Action<int, Standing?>? StepDone;

        /// <summary>Seeds the store if it is new, then runs <paramref name="steps"/> steps (or until cancelled between steps).</summary>
        public SearchSummary Run(int steps, CancellationToken cancel = default)
        {
            int mutants = 0, duplicates = 0, filtered = 0, dropped = 0, scored = 0, reevaluations = 0, unmutatable = 0, done = 0;
            _failedJobs = 0;
            try
            {
                SeedBaselines();
                for (; done < steps && !cancel.IsCancellationRequested; done++)
                {
                    var top = Leaderboard().Where(s => s.Fitness is not null).Take(Options.TopN).ToList();
                    if (top.Count == 0) throw new InvalidOperationException("No architecture has a score on every task: the baselines' runs all failed. Check the budgets (a run that overruns its seconds fails).");
                    if (_random.NextDouble() < Options.ReevaluateProbability)
                    {
                        var pick = top[Index(top.Count)].Architecture;
                        RunJobs(Options.Evaluation.Tasks.SelectMany(t => Fresh(pick.Id, t.Task, Options.Evaluation.SettingsPerTask)));
                        reevaluations++;
                    }
                    else
                    {
                        var fresh = new List<Architecture>();
                        var unfinished = new List<Architecture>();
                        for (int m = 0; m < Options.MutantsPerStep; m++)
                        {
                            var parent = top[Index(top.Count)].Architecture;
                            long seed = unchecked((long)_random.NextUInt64());
                            Mutant mutant;
                            try { mutant = Mutator.Mutate(GraphText.Read(parent.GraphText), seed); }
                            catch (MutationFailedException) { unmutatable++; continue; }
                            var (arch, added) = _store.AddArchitecture(new Architecture(0, "", CanonicalKey.Of(mutant.Graph),
                                GraphText.Write(mutant.Graph), parent.Id, mutant.Description, seed, DateTimeOffset.UtcNow));
                            if (added) { fresh.Add(arch); mutants++; }
                            else
                            {
                                duplicates++;
                                // Not evaluated again; but a step stopped midway and redone meets its own mutants
                                // here, and finishes what their evaluation lacks (for the rest this runs nothing).
                                if (arch.ParentId is not null) unfinished.Add(arch);
                            }
                        }
                        Compile(fresh);
                        foreach (var arch in unfinished) Evaluate(arch);
                        foreach (var arch in fresh)
                        {
                            var outcome = Evaluate(arch);
                            if (outcome == Outcome.Filtered) filtered++;
                            else if (outcome == Outcome.Dropped) dropped++;
                            else scored++;
                        }
                    }
                    _store.SetSetting(RandomSetting, _random.State.ToString(CultureInfo.InvariantCulture));
                    ReleaseCompiled();
                    StepDone?.Invoke(done + 1, Leaderboard().FirstOrDefault());
                }
            }
            finally
            {
                ReleaseCompiled();
            }
            return new SearchSummary(done, mutants, duplicates, filtered, dropped, scored, reevaluations, _failedJobs, unmutatable);
        }

        /// <summary>Every architecture with its best per task and fitness, best first (unscored ones last).</summary>
        public IReadOnlyList<Standing> Leaderboard()
        {
            var results = _store.Results().Where(r => r.Job.Kind == JobKind.Task).ToList();
            var best = results.GroupBy(r => r.Job.ArchitectureId)
                .ToDictionary(g => g.Key, g => Fitness.BestPerTask(g.Select(r => (r.Job.Task, r.Result.Score))));
            var gru = _store.FindByKey(CanonicalKey.Of(Baselines.Gru));
            var gruBest = gru is not null && best.TryGetValue(gru.Id, out var b) ? b : new Dictionary<string, double>();
            var tasks = Options.Evaluation.Tasks.Select(t => t.Task).ToList();
            return best.Keys.Select(id => _store.FindArchitecture(id)!)
                .Select(a => new Standing(a, best[a.Id], best[a.Id].Count == tasks.Count ? Fitness.Of(best[a.Id], gruBest, tasks) : null))
                .OrderByDescending(s => s.Fitness ?? double.NegativeInfinity).ThenBy(s => s.Architecture.Id)
                .ToList();
        }

        private enum Outcome { Filtered, Dropped, Scored }

        private void SeedBaselines()
        {
            foreach (var (name, graph) in new[] { ("LSTM", Baselines.Lstm), ("GRU", Baselines.Gru) })
            {
                var (arch, added) = _store.AddArchitecture(new Architecture(0, name, CanonicalKey.Of(graph), GraphText.Write(graph), null, null, 0, DateTimeOffset.UtcNow));
                if (added) RunJobs(Options.Evaluation.Tasks.SelectMany(t => Fresh(arch.Id, t.Task, Options.Evaluation.SettingsPerTask)));
            }
            RunPending();   // jobs a stopped run left queued or claimed
        }

        /// <summary>The protocol for a new architecture. Its settings and job seeds come from a generator seeded with the
        /// architecture's own seed, and jobs already run are not run again, so a step stopped midway and redone gives
        /// the outcome and the results the whole step would have.</summary>
        private Outcome Evaluate(Architecture arch)
        {
            var random = new CellRandom(arch.Seed ^ 0x5EA4C4L);
            var tried = new HashSet<Hyperparameters>();
            var filter = RunJobs(Fresh(arch.Id, Options.Evaluation.Memorization.Task, 1, random, tried, JobKind.Filter));
            if (!filter.Any(r => r.Score >= Options.Evaluation.FilterThreshold)) return Outcome.Filtered;
            var gruBest = Leaderboard().FirstOrDefault(s => s.Architecture.CanonicalKey == CanonicalKey.Of(Baselines.Gru))?.Best;
            foreach (var task in Options.Evaluation.Tasks)
            {
                var results = RunJobs(Fresh(arch.Id, task.Task, Options.Evaluation.SettingsPerTask, random, new HashSet<Hyperparameters>()));
                double? best = results.Where(r => r.Score is not null).Select(r => r.Score).Max();
                if (gruBest is not null && gruBest.TryGetValue(task.Task, out double g) && Fitness.DropEarly(best, g, Options.Evaluation.DropFraction))
                    return Outcome.Dropped;
            }
            return Outcome.Scored;
        }

        /// <summary>Jobs of settings the architecture has not been evaluated on for the task (from the store's results),
        /// drawn with the loop's generator.</summary>
        private IEnumerable<Job> Fresh(long architecture, string task, int count)
        {
            var tried = _store.Results().Where(r => r.Job.ArchitectureId == architecture && r.Job.Task == task)
                .Select(r => Hyperparameters.FromJson(r.Job.Hyperparameters)).ToHashSet();
            return Fresh(architecture, task, count, _random, tried);
        }

        private List<Job> Fresh(long architecture, string task, int count, CellRandom random, HashSet<Hyperparameters> tried, JobKind kind = JobKind.Task)
        {
            var jobs = new List<Job>();
            for (int i = 0; i < count; i++)
            {
                var h = Options.Evaluation.Grid.Draw(random, tried);
                if (h is null) break;
                tried.Add(h);
                jobs.Add(new Job(0, architecture, kind, task, h.ToJson(), unchecked((long)random.NextUInt64()), JobStatus.Pending));
            }
            return jobs;
        }

        /// <summary>Queues the jobs (one equal to a queued job is that job) and works until the queue is empty; returns
        /// the results of those jobs, run now or earlier.</summary>
        private List<JobResult> RunJobs(IEnumerable<Job> jobs)
        {
            var queued = _store.AddJobs(jobs).Select(j => j.Id).ToHashSet();
            RunPending();
            return _store.Results().Where(r => queued.Contains(r.Job.Id)).Select(r => r.Result).ToList();
        }

        private List<(Job Job, JobResult Result)> RunPending()
        {
            var done = new List<(Job, JobResult)>();
            while (_store.ClaimNext(_worker, Lease) is { } claim)
            {
                var arch = _store.FindArchitecture(claim.Job.ArchitectureId)
                    ?? throw new InvalidOperationException($"Job {claim.Job.Id} names architecture {claim.Job.ArchitectureId}, which the store does not hold.");
                var result = _evaluator.Evaluate(Candidate(arch), claim.Job);
                if (result.Failure is not null) _failedJobs++;
                if (_store.Complete(claim, result)) done.Add((claim.Job, result));
            }
            return done;
        }

        private CompiledCandidate Candidate(Architecture arch)
        {
            if (!_candidates.ContainsKey(arch.Id)) Compile(new[] { arch });
            return _candidates[arch.Id];
        }

        private void Compile(IReadOnlyList<Architecture> archs)
        {
            if (archs.Count == 0) return;
            var batch = CandidateCompiler.Compile(archs.Select(a => (Label(a), GraphText.Read(a.GraphText))).ToList());
            for (int i = 0; i < archs.Count; i++)
            {
                _compiled[archs[i].Id] = batch;
                _candidates[archs[i].Id] = batch.Candidates[i];
            }
        }

        private void ReleaseCompiled()
        {
            foreach (var batch in _compiled.Values.Distinct()) batch.Dispose();
            _compiled.Clear();
            _candidates.Clear();
        }

        private static string Label(Architecture a) => a.Name.Length > 0 ? a.Name : "m-" + a.Id.ToString(CultureInfo.InvariantCulture);

        private int Index(int count) => (int)(_random.NextUInt64() % (ulong)count);
    }
}
