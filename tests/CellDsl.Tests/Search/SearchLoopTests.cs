using CellDsl.Compiler.Graph;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Mutation;
using CellDsl.Search.Search;
using CellDsl.Search.Store;
using CellDsl.Training.Data.Tasks;
using Xunit;

namespace CellDsl.Tests.Search;

/// <summary>The paper's procedure over a store, at a tiny scale: seeded baselines, mutants filtered, scored or dropped,
/// every job run once, every choice reproducible from the recorded seeds, and a stopped search resumed.</summary>
public class SearchLoopTests
{
    private static readonly TaskSizes Tiny = new(3_000, 400, 400);

    private static SearchOptions Options(long seed = 3) => new()
    {
        Seed = seed,
        ReevaluateProbability = 0.3,
        MutantsPerStep = 2,
        Evaluation = new EvaluationSettings
        {
            Memorization = new TaskBudget("memorization", 60, 60, Tiny, 8, 10, 4, 20),
            Tasks = [new TaskBudget("arith", 8, 60, Tiny, 8, 10, 4, 4), new TaskBudget("xml", 8, 60, Tiny, 8, 10, 4, 4)],
            SettingsPerTask = 1,
            FilterThreshold = 0.05,   // a most-frequent-letter guess scores 0.040 here: in 60 windows some mutants learn more, some do not
            DropFraction = 0.5,
            Grid = new HyperparameterGrid([0.7f, 1f], [0.3f, 0.5f], [5f], [1]),
        },
    };

    private static string Fingerprint(InMemorySearchStore store)
        => string.Join("\n", store.Architectures.Select(a => a.CanonicalKey.GetHashCode() + " " + a.Seed))
           + "\n" + string.Join("\n", store.Results().Select(r => $"{r.Job.ArchitectureId} {r.Job.Task} {r.Job.Hyperparameters} {r.Job.Seed} {r.Result.Score} {r.Result.Failure}"));

    [Fact]
    public void A_short_search_runs_every_job_once_and_records_what_makes_each_mutant_again()
    {
        using var store = new InMemorySearchStore();
        var loop = new SearchLoop(store, Options());
        var summary = loop.Run(4);

        Assert.Equal(4, summary.Steps);
        Assert.True(summary.Mutants > 0 && summary.Filtered > 0 && summary.Filtered < summary.Mutants,
            summary + " filter scores " + string.Join(", ", store.Results().Where(r => r.Job.Kind == JobKind.Filter).Select(r => r.Result.Score)));
        int mutationSteps = summary.Steps - summary.Reevaluations;
        Assert.Equal(mutationSteps * 2, summary.Mutants + summary.Duplicates + summary.UnmutatableParents);
        Assert.Equal(summary.Mutants, summary.Filtered + summary.Dropped + summary.Scored);
        Assert.Equal(3 + summary.Mutants, store.Architectures.Count);   // LSTM, GRU and the reference LSTM-b
        Assert.Equal(0, store.Counts()[JobStatus.Pending] + store.Counts()[JobStatus.Claimed]);

        // No architecture is evaluated twice on one setting of a task; the seeds get a setting per task.
        var runs = store.Results().GroupBy(r => (r.Job.ArchitectureId, r.Job.Task, r.Job.Hyperparameters));
        Assert.All(runs, g => Assert.Single(g));
        Assert.Equal(["LSTM", "GRU", "LSTM-b"], store.Architectures.Take(3).Select(a => a.Name));
        foreach (var baseline in store.Architectures.Take(3))
            Assert.Equal(["arith", "xml"], store.Results().Where(r => r.Job.ArchitectureId == baseline.Id).Select(r => r.Job.Task).Distinct().Order());

        // A mutant is its parent mutated with its recorded seed; only filter-passing mutants reach the tasks. LSTM-b, a
        // reference, is never a parent, and never re-evaluated: it has only its seeding runs, one per task.
        long lstmB = store.Architectures[2].Id;
        Assert.Equal(2, store.Results().Count(r => r.Job.ArchitectureId == lstmB));
        foreach (var m in store.Architectures.Skip(3))
        {
            Assert.NotEqual(lstmB, m.ParentId);
            var parent = store.FindArchitecture(m.ParentId!.Value)!;
            Assert.Equal(m.CanonicalKey, CanonicalKey.Of(Mutator.Mutate(GraphText.Read(parent.GraphText), m.Seed).Graph));
            var jobs = store.Results().Where(r => r.Job.ArchitectureId == m.Id).ToList();
            Assert.Equal(JobKind.Filter, jobs[0].Job.Kind);
            bool passed = jobs[0].Result.Score >= 0.05;
            Assert.Equal(passed, jobs.Count > 1);
        }

        var board = loop.Leaderboard();
        var gru = board.Single(s => s.Architecture.Name == "GRU");
        Assert.Equal(1.0, gru.Fitness);
        Assert.All(board.Where(s => s.Fitness is not null), s => Assert.Equal(
            Math.Min(s.Best["arith"] / gru.Best["arith"], s.Best["xml"] / gru.Best["xml"]), s.Fitness!.Value, 12));
    }

    [Fact]
    public void The_same_seed_gives_the_same_search_and_a_resumed_search_continues_as_if_never_stopped()
    {
        using var whole = new InMemorySearchStore();
        new SearchLoop(whole, Options()).Run(2);

        using var resumed = new InMemorySearchStore();
        new SearchLoop(resumed, Options()).Run(1);
        new SearchLoop(resumed, Options()).Run(1);   // a new process on the same store

        Assert.Equal(Fingerprint(whole), Fingerprint(resumed));
        Assert.Equal(2, new SearchLoop(resumed, Options()).StepsDone);   // the count goes on across processes
    }

    [Fact]
    public void A_store_started_with_other_options_is_refused()
    {
        using var store = new InMemorySearchStore();
        _ = new SearchLoop(store, Options(seed: 3));
        Assert.Contains("other options", Assert.Throws<ArgumentException>(() => new SearchLoop(store, Options(seed: 4))).Message);
    }

    /// <summary>A store whose process dies (an exception out of Complete) at the given completion.</summary>
    private sealed class DyingStore(ISearchStore inner, int dieAt) : DelegatingSearchStore(inner)
    {
        private int _completes;
        public override bool Complete(Claim claim, JobResult result)
            => ++_completes == dieAt ? throw new OperationCanceledException("killed") : base.Complete(claim, result);
    }

    /// <summary>Counts what the loop reads of the results.</summary>
    private sealed class CountingStore(ISearchStore inner) : DelegatingSearchStore(inner)
    {
        public int FullReads, RowsRead;

        public override IReadOnlyList<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> Results()
        {
            FullReads++;
            return base.Results();
        }

        public override IReadOnlyList<(long Sequence, Job Job, JobResult Result, DateTimeOffset FinishedAt)> ResultsSince(long after)
        {
            var rows = base.ResultsSince(after);
            RowsRead += rows.Count;
            return rows;
        }
    }

    [Fact]
    public void A_loop_waiting_on_workers_reads_each_result_once_however_often_it_polls()
    {
        using var inner = new InMemorySearchStore();
        var store = new CountingStore(inner);
        int polls = 0;
        // A worker that finishes one job, with a made-up score, every other poll: the loop polls about twice per result.
        var loop = new SearchLoop(store, Options())
        {
            Poll = TimeSpan.Zero,
            AwaitWorkers = () =>
            {
                if (++polls % 2 == 0 && inner.ClaimNext("worker", TimeSpan.FromMinutes(1)) is { } claim)
                    inner.Complete(claim, new JobResult(0.2 + claim.Job.Seed % 100 / 1000.0, null, 0, 0, "{}"));
            },
        };
        var summary = loop.Run(30);

        int results = inner.Results().Count;
        Assert.True(summary.Mutants >= 10 && results >= 40, $"{summary}; {results} results");
        Assert.True(polls >= 2 * results - 2, $"{polls} polls for {results} results");
        Assert.Equal(0, store.FullReads);
        Assert.Equal(results, store.RowsRead);
        // The leaderboard built a result at a time is the one built from all of them at once.
        var tasks = inner.Results().Where(r => r.Job.Kind == JobKind.Task).GroupBy(r => r.Job.ArchitectureId)
            .ToDictionary(g => g.Key, g => Fitness.BestPerTask(g.Select(r => (r.Job.Task, r.Result.Score))));
        var board = loop.Leaderboard();
        Assert.Equal(tasks.Keys.Order(), board.Select(s => s.Architecture.Id).Order());
        Assert.All(board, s => Assert.Equal(tasks[s.Architecture.Id].OrderBy(p => p.Key), s.Best.OrderBy(p => p.Key)));
    }

    private static List<string> Evaluated(InMemorySearchStore store)
        => store.Results().Select(r => $"{store.FindArchitecture(r.Job.ArchitectureId)!.CanonicalKey.GetHashCode()} {r.Job.Kind} {r.Job.Task} {r.Job.Hyperparameters} {r.Job.Seed} {r.Result.Score}")
            .Order(StringComparer.Ordinal).ToList();

    [Theory]
    // The seeds take 6 jobs; then 3 steps of re-evaluations (2 runs) or mutations (2 filters and up to 4 task runs):
    // kills inside the seeding, inside each kind of step and between steps.
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void A_search_killed_in_the_middle_of_a_step_resumes_to_the_same_architectures_and_results(int dieAt)
    {
        using var whole = new InMemorySearchStore();
        new SearchLoop(whole, Options()).Run(3);

        using var store = new InMemorySearchStore();
        int stepsDone = 0;
        var dying = new SearchLoop(new DyingStore(store, dieAt), Options()) { Lease = TimeSpan.Zero };
        dying.StepDone += (_, _) => stepsDone++;
        Assert.Throws<OperationCanceledException>(() => dying.Run(3));
        Assert.True(stepsDone < 3);
        var resumed = new SearchLoop(store, Options()) { Lease = TimeSpan.Zero };
        Assert.Equal(stepsDone, resumed.StepsDone);   // the step that was cut short is not counted
        resumed.Run(3 - stepsDone);

        Assert.Equal(whole.Architectures.Select(a => (a.CanonicalKey, a.Seed)), store.Architectures.Select(a => (a.CanonicalKey, a.Seed)));
        Assert.Equal(Evaluated(whole), Evaluated(store));
        Assert.Equal(0, store.Counts()[JobStatus.Pending] + store.Counts()[JobStatus.Claimed]);
    }
}
