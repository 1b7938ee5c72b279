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
    /// and the GRU, each evaluated on <see cref="EvaluationSettings.SettingsPerTask"/> settings per task, and with
    /// LSTM-b, evaluated the same way as a reference the paper compares its cells with: it stands on the leaderboard but
    /// is never picked to mutate or re-evaluate, and its settings come from a generator of its own, so the search's
    /// choices are those of a search without it. Each step then
    /// either picks a random architecture of the top N and evaluates it on fresh settings (never one it was evaluated
    /// on), or mutates random ones of the top N: a mutant the store already holds (same canonical key) is not evaluated
    /// again; a new one runs the memorization filter with one setting, and if it passes, the tasks in order, dropped as
    /// soon as its best on a task is below <see cref="EvaluationSettings.DropFraction"/> of the GRU's. Every choice comes
    /// from the loop's generator, whose seed and state are kept in the store, or from a generator seeded with a
    /// mutant's recorded seed (its settings and job seeds), so a stopped search resumes where it was. This process is
    /// its own worker (it queues jobs and evaluates whatever the store hands it), or, with <see cref="AwaitWorkers"/>,
    /// worker processes evaluate what it queues while it waits for the results.
    /// </summary>
    public sealed class SearchLoop
    {
        /// <summary>The setting the search's options are stored under (JSON of <see cref="SearchOptions"/>); worker
        /// processes read their evaluation settings from it.</summary>
        public const string OptionsSetting = "search.options";
        // The steps the store's search has finished, the generator's state after the last of them and how many results
        // the store held then, in one setting so that a kill cannot leave one updated without the others. Stores written
        // before the step count was kept hold only the state, under RandomSetting; they resume with the count at 0.
        // Before the result count was kept the setting had two fields.
        private const string ProgressSetting = "search.progress";
        private const string RandomSetting = "search.random";

        private readonly ISearchStore _store;
        private readonly CandidateEvaluator _evaluator;
        private readonly CellRandom _random;
        private readonly string _worker;
        private readonly CandidateCache _cache = new();
        // The results read so far: every poll and leaderboard reads only what is new.
        private readonly ResultLog _log;
        // How many results the store held when the last finished step ended, from its progress setting (stores written
        // before it was kept: unknown). A step cut short and redone decides from those alone, as its first attempt did,
        // not from the results that attempt left behind.
        private int? _resultsAtStepEnd;
        // Whether the store records that the baselines' jobs were drawn (any progress setting). Until it does, they are
        // drawn again on every start, to the same jobs (queued once), so a kill while seeding resumes as if none.
        private readonly bool _seeded;
        private long? _gruId;

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
            if (store.GetSetting(ProgressSetting) is { } progress)
            {
                string[] parts = progress.Split(' ');
                StepsDone = int.Parse(parts[0], CultureInfo.InvariantCulture);
                _random.State = ulong.Parse(parts[1], CultureInfo.InvariantCulture);
                if (parts.Length > 2) _resultsAtStepEnd = int.Parse(parts[2], CultureInfo.InvariantCulture);
                _seeded = true;
            }
            else if (store.GetSetting(RandomSetting) is { } state)
            {
                _random.State = ulong.Parse(state, CultureInfo.InvariantCulture);
                _seeded = true;
            }
            _worker = worker;
            _log = new ResultLog(store);
        }

        /// <summary>The options a store's search was started with; null for a store that holds none.</summary>
        public static SearchOptions? StoredOptions(ISearchStore store)
        {
            ArgumentNullException.ThrowIfNull(store);
            return store.GetSetting(OptionsSetting) is { } json ? JsonSerializer.Deserialize<SearchOptions>(json) : null;
        }

        public SearchOptions Options { get; }

        /// <summary>The steps the store's search has finished, over every run on it (a resumed search counts on).</summary>
        public int StepsDone { get; private set; }

        public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);

        /// <summary>
        /// Null (the default): this process evaluates the jobs it queues. Set: worker processes over the same store
        /// evaluate them (<c>celldsl search worker</c>) and the loop only waits for their results, polling the store
        /// every <see cref="Poll"/> and calling this meanwhile; it throws to give up the wait (every worker has died).
        /// A worker that dies holding a job costs that job's lease: another worker takes it when the lease expires.
        /// </summary>
        public Action? AwaitWorkers { get; init; }

        /// <summary>How often a loop with <see cref="AwaitWorkers"/> looks for the results it waits on.</summary>
        public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(250);

        /// <summary>Raised after each step with the current leaderboard's best.</summary>
        public event Action<int, Standing?>? StepDone;

        /// <summary>Seeds the store if it is new, then runs <paramref name="steps"/> steps (or until cancelled between
        /// steps; with <see cref="AwaitWorkers"/>, a cancel also ends a wait with <see cref="OperationCanceledException"/>,
        /// leaving the step to be redone on resume).</summary>
        public SearchSummary Run(int steps, CancellationToken cancel = default)
        {
            int done = 0;
            _stepsDone = 0;
            _failedBefore = _store.Counts()[JobStatus.Failed];
            _counts = new int[7];
            ref int mutants = ref _counts[0], duplicates = ref _counts[1], filtered = ref _counts[2], dropped = ref _counts[3],
                scored = ref _counts[4], reevaluations = ref _counts[5], unmutatable = ref _counts[6];
            try
            {
                SeedBaselines(cancel);
                if (_resultsAtStepEnd is null)
                {
                    // A new search (or one from before the count was kept): the first step starts from here, and a
                    // kill inside it must find the generator's state after the baselines' draws.
                    _log.Refresh();
                    _resultsAtStepEnd = _log.All.Count;
                    SaveProgress();
                }
                for (; done < steps && !cancel.IsCancellationRequested; done++)
                {
                    _log.Refresh();
                    // What the step decides from: the results before it. After a kill that is the count the last
                    // finished step recorded; the cut step's own results (run again by SeedBaselines) come after it.
                    var seen = _resultsAtStepEnd is int before && before < _log.All.Count ? _log.Prefix(before) : _log;
                    var top = Standings(seen).Where(s => s.Fitness is not null && !IsReference(s.Architecture)).Take(Options.TopN).ToList();
                    if (top.Count == 0) throw new InvalidOperationException("No architecture has a score on every task: the baselines' runs all failed. Check the budgets (a run that overruns its seconds fails).");
                    if (_random.NextDouble() < Options.ReevaluateProbability)
                    {
                        var pick = top[Index(top.Count)].Architecture;
                        RunJobs(new[] { Options.Evaluation.Tasks.SelectMany(t => Fresh(seen, pick.Id, t.Task, Options.Evaluation.SettingsPerTask)).ToList() }, cancel);
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
                                if (arch.ParentId is not null && !unfinished.Any(u => u.Id == arch.Id) && !fresh.Any(f => f.Id == arch.Id)) unfinished.Add(arch);
                            }
                        }
                        if (AwaitWorkers is null)
                        {
                            Report($"compiling {fresh.Count} {(fresh.Count == 1 ? "mutant" : "mutants")}", null);
                            _cache.Compile(fresh);
                        }
                        var outcomes = Evaluate(unfinished.Concat(fresh).ToList(), seen, cancel);
                        foreach (var outcome in outcomes.Skip(unfinished.Count))
                        {
                            if (outcome == Outcome.Filtered) filtered++;
                            else if (outcome == Outcome.Dropped) dropped++;
                            else scored++;
                        }
                    }
                    StepsDone++;
                    _log.Refresh();
                    _resultsAtStepEnd = _log.All.Count;
                    SaveProgress();
                    _cache.Clear();
                    _stepsDone = done + 1;
                    StepDone?.Invoke(done + 1, Leaderboard().FirstOrDefault());
                }
            }
            finally
            {
                _cache.Clear();
                if (AwaitWorkers is null) Report("stopped", null);
            }
            return Summary(done);
        }

        private void SaveProgress()
            => _store.SetSetting(ProgressSetting, string.Create(CultureInfo.InvariantCulture, $"{StepsDone} {_random.State} {_resultsAtStepEnd}"));

        // What Run has done so far: mutants, duplicates, filtered, dropped, scored, re-evaluations, unmutatable parents.
        private int[] _counts = new int[7];
        private long _failedBefore;

        /// <summary>What the current (or last) run has done so far, for a display on another thread; Steps counts the
        /// steps finished.</summary>
        public SearchSummary Progress => Summary(_stepsDone);

        private int _stepsDone;

        private SearchSummary Summary(int steps)
        {
            var c = _counts;
            int failed = checked((int)(_store.Counts()[JobStatus.Failed] - _failedBefore));
            return new SearchSummary(steps, c[0], c[1], c[2], c[3], c[4], c[5], failed, c[6]);
        }

        /// <summary>Every architecture with its best per task and fitness, best first (unscored ones last).</summary>
        public IReadOnlyList<Standing> Leaderboard()
        {
            _log.Refresh();
            return Standings(_log);
        }

        private List<Standing> Standings(ResultLog log)
        {
            _gruId ??= _store.FindByKey(CanonicalKey.Of(Baselines.Gru))?.Id;
            var gruBest = _gruId is long g && log.Of(g) is { TaskRuns: > 0 } gru ? gru.BestByTask : new Dictionary<string, double>();
            var tasks = Options.Evaluation.Tasks.Select(t => t.Task).ToList();
            return log.Architectures.Where(r => r.TaskRuns > 0)
                .Select(r => new Standing(log.Architecture(r.ArchitectureId)!, new Dictionary<string, double>(r.BestByTask, StringComparer.OrdinalIgnoreCase),
                    r.BestByTask.Count == tasks.Count ? Fitness.Of(r.BestByTask, gruBest, tasks) : null))
                .OrderByDescending(s => s.Fitness ?? double.NegativeInfinity).ThenBy(s => s.Architecture.Id)
                .ToList();
        }

        private enum Outcome { Filtered, Dropped, Scored }

        /// <summary>Cells evaluated beside the baselines for comparison only (on the leaderboard, never in the list).</summary>
        private static readonly (string Name, CellGraph Graph)[] References = { ("LSTM-b", Baselines.LstmB) };

        private static readonly HashSet<string> ReferenceKeys = References.Select(r => CanonicalKey.Of(r.Graph)).ToHashSet(StringComparer.Ordinal);

        private static bool IsReference(Architecture a) => ReferenceKeys.Contains(a.CanonicalKey);

        private void SeedBaselines(CancellationToken cancel)
        {
            var seeds = new List<List<Job>>();
            // The references' settings come from a generator of their own: the loop's draws stay a search's without them.
            var referenceRandom = new CellRandom(Options.Seed ^ 0x4C53544D2D62L);
            foreach (var (name, graph, reference) in new[] { ("LSTM", Baselines.Lstm, false), ("GRU", Baselines.Gru, false) }
                         .Concat(References.Select(r => (r.Name, r.Graph, true))))
            {
                var (arch, added) = _store.AddArchitecture(new Architecture(0, name, CanonicalKey.Of(graph), GraphText.Write(graph), null, null, 0, DateTimeOffset.UtcNow));
                if (!added && _seeded) continue;
                seeds.Add(Options.Evaluation.Tasks.SelectMany(t => Fresh(arch.Id, t.Task, Options.Evaluation.SettingsPerTask,
                    reference ? referenceRandom : _random, new HashSet<Hyperparameters>())).ToList());
            }
            RunJobs(seeds, cancel);
            // Jobs a stopped run left queued or claimed.
            if (AwaitWorkers is null) RunPending();
            else Await(() => _store.Counts() is var c && c[JobStatus.Pending] + c[JobStatus.Claimed] == 0, cancel);
        }

        /// <summary>The protocol for new architectures, all of a step's together so that workers take their jobs side
        /// by side: every filter run, then each task's runs of those still in. An architecture's settings and job seeds
        /// come from a generator seeded with its own seed, and jobs already run are not run again, so a step stopped
        /// midway and redone gives the outcome and the results the whole step would have, and so does any number of
        /// workers: nothing an architecture gets depends on the others'.</summary>
        private List<Outcome> Evaluate(IReadOnlyList<Architecture> archs, ResultLog seen, CancellationToken cancel)
        {
            var randoms = archs.Select(a => new CellRandom(a.Seed ^ 0x5EA4C4L)).ToList();
            var outcomes = new Outcome?[archs.Count];
            var filters = RunJobs(archs.Select((a, i) => Fresh(a.Id, Options.Evaluation.Memorization.Task, 1, randoms[i], new HashSet<Hyperparameters>(), JobKind.Filter)).ToList(), cancel);
            for (int i = 0; i < archs.Count; i++)
                if (!filters[i].Any(r => r.Score >= Options.Evaluation.FilterThreshold)) outcomes[i] = Outcome.Filtered;
            var gruBest = Standings(seen).FirstOrDefault(s => s.Architecture.CanonicalKey == CanonicalKey.Of(Baselines.Gru))?.Best;
            foreach (var task in Options.Evaluation.Tasks)
            {
                var live = Enumerable.Range(0, archs.Count).Where(i => outcomes[i] is null).ToList();
                if (live.Count == 0) break;
                var results = RunJobs(live.Select(i => Fresh(archs[i].Id, task.Task, Options.Evaluation.SettingsPerTask, randoms[i], new HashSet<Hyperparameters>())).ToList(), cancel);
                for (int k = 0; k < live.Count; k++)
                {
                    double? best = results[k].Where(r => r.Score is not null).Select(r => r.Score).Max();
                    if (gruBest is not null && gruBest.TryGetValue(task.Task, out double g) && Fitness.DropEarly(best, g, Options.Evaluation.DropFraction))
                        outcomes[live[k]] = Outcome.Dropped;
                }
            }
            return outcomes.Select(o => o ?? Outcome.Scored).ToList();
        }

        /// <summary>Jobs of settings the architecture has not been evaluated on for the task (in the results
        /// <paramref name="seen"/>), drawn with the loop's generator.</summary>
        private IEnumerable<Job> Fresh(ResultLog seen, long architecture, string task, int count)
        {
            var tried = (seen.Of(architecture)?.TriedOn(task) ?? []).Select(Hyperparameters.FromJson).ToHashSet();
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

        /// <summary>Queues the groups of jobs together (one equal to a queued job is that job) and waits until they have
        /// run, here or in the workers; returns each group's results, run now or earlier. In this process, a job
        /// another process holds is not waited for (there is none in a one-process search but a dead one's, whose
        /// lease outlives the run); with workers, every job is.</summary>
        private List<List<JobResult>> RunJobs(IReadOnlyList<List<Job>> groups, CancellationToken cancel)
        {
            var queued = _store.AddJobs(groups.SelectMany(g => g)).Select(j => j.Id).ToList();
            var ids = new List<HashSet<long>>();
            int next = 0;
            foreach (var g in groups) { ids.Add(queued.Skip(next).Take(g.Count).ToHashSet()); next += g.Count; }
            var all = queued.ToHashSet();
            if (AwaitWorkers is null) RunPending();
            else Await(() => { _log.Refresh(); return all.All(_log.Has); }, cancel);
            _log.Refresh();
            // A job this process does not wait for (a dead process's, leased beyond the run) has no result yet.
            return ids.Select(set => set.Where(_log.Has).Select(id => { _log.TryGet(id, out var r); return r; }).ToList()).ToList();
        }

        private void Await(Func<bool> done, CancellationToken cancel)
        {
            while (!done())
            {
                cancel.ThrowIfCancellationRequested();
                AwaitWorkers!();
                cancel.WaitHandle.WaitOne(Poll);
            }
        }

        private void RunPending()
        {
            while (_store.ClaimNext(_worker, Lease) is { } claim)
            {
                var arch = _store.FindArchitecture(claim.Job.ArchitectureId)
                    ?? throw new InvalidOperationException($"Job {claim.Job.Id} names architecture {claim.Job.ArchitectureId}, which the store does not hold.");
                if (!_cache.Contains(arch.Id)) Report($"compiling {CandidateCache.Label(arch)}", claim.Job.Id);
                var (candidate, compileSeconds) = _cache.Get(arch);
                Report($"training {CandidateCache.Label(arch)} on {claim.Job.Task}", claim.Job.Id);
                var result = _evaluator.Evaluate(candidate, claim.Job) with { CompileSeconds = compileSeconds };
                _store.Complete(claim, result);
            }
            Report("deciding", null);
        }

        private void Report(string activity, long? job) => _store.ReportActivity(_worker, Environment.ProcessId, activity, job);

        private int Index(int count) => (int)(_random.NextUInt64() % (ulong)count);
    }
}
