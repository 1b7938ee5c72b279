using System.Diagnostics;
using CellDsl.Cli.Commands;
using CellDsl.Search.Store;
using CellDsl.Tests.Search.Store;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>
/// `celldsl search run --workers 2` end to end over each store: the search's jobs run in two `celldsl search worker`
/// processes, each exactly once, with the architectures and scores of the same search in one process; and with one
/// worker SIGKILLed mid-evaluation the search still completes, the killed job taken over when its lease expires.
/// </summary>
[Collection(nameof(SearchRunCollection))]
public abstract class SearchWorkersTests : IDisposable
{
    private static readonly string[] Budget = ["--steps", "2", "--windows", "8", "--filter-windows", "60", "--settings", "1", "--seed", "5", "--mutants", "3"];

    // The same search in one process, once for both stores: what the workers must reproduce.
    private static readonly Lazy<string> InProcess = new(() =>
    {
        string dir = Directory.CreateTempSubdirectory("celldsl-search-one-").FullName;
        try
        {
            string file = Path.Combine(dir, "one.db");
            var run = CliRun.Of(["search", "run", "--store", file, "--workers", "1", .. Budget]);
            Assert.True(run.ExitCode == 0, run.Error + run.Output);
            using var store = SearchStore.Open(file);
            Assert.All(store.Activities(), a => Assert.Equal("search", a.Worker));
            return Fingerprint(store);
        }
        finally { Directory.Delete(dir, recursive: true); }
    });

    protected readonly string Dir = Directory.CreateTempSubdirectory("celldsl-search-workers-").FullName;

    /// <summary>A fresh store for one test, as --store names it.</summary>
    protected abstract string NewStore(string name);

    public virtual void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>What the search decided and measured: architectures with their seeds, every result with its job.
    /// Timings are left out; scores are compared exactly.</summary>
    private static string Fingerprint(ISearchStore store)
    {
        var results = store.Results().Select(r => (Key: store.FindArchitecture(r.Job.ArchitectureId)!.CanonicalKey, r.Job, r.Result))
            .Select(r => $"{r.Key.GetHashCode()} {r.Job.Kind} {r.Job.Task} {r.Job.Hyperparameters} {r.Job.Seed} {r.Result.Score:R} {r.Result.Failure}")
            .Order(StringComparer.Ordinal);
        return string.Join("\n", results);
    }

    private static void AssertEveryJobRanOnceExcept(ISearchStore store, long? twice)
    {
        var counts = store.Counts();
        Assert.Equal(0, counts[JobStatus.Pending] + counts[JobStatus.Claimed]);
        var results = store.Results();
        Assert.Equal(counts[JobStatus.Done] + counts[JobStatus.Failed], results.Count);
        Assert.Equal(results.Count, results.Select(r => r.Job.Id).Distinct().Count());
        Assert.All(results, r => Assert.Equal(r.Job.Id == twice ? 2 : 1, r.Job.Attempts));
    }

    [StoreFact]
    public void Two_worker_processes_evaluate_every_job_once_and_reproduce_the_one_process_search()
    {
        string store = NewStore("two");
        var run = CliRun.Of(["search", "run", "--store", store, "--workers", "2", .. Budget]);
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("step 2/2:", run.Output);

        using var opened = SearchStore.Open(store);
        AssertEveryJobRanOnceExcept(opened, twice: null);
        // Two worker processes, both stopped at the end; the coordinator (which would report as "search") ran nothing.
        var workers = opened.Activities();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.Equal("stopped", w.Activity));
        Assert.All(workers, w => Assert.NotEqual(Environment.ProcessId, w.ProcessId));
        Assert.Equal(InProcess.Value, Fingerprint(opened));
    }

    [StoreFact]
    public void A_worker_killed_mid_evaluation_costs_its_job_a_lease_and_the_search_completes_with_no_job_lost_or_doubled()
    {
        string store = NewStore("killed");
        // Task runs long enough to be caught at (150 windows took 0.2 s on a quiet Zen 4, shorter than the 300 ms a
        // run must have been going), and a lease short enough to wait out.
        string[] args = ["search", "run", "--store", store, "--workers", "2", "--lease-seconds", "6",
            "--steps", "1", "--windows", "1000", "--filter-windows", "60", "--settings", "1", "--mutants", "1", "--seed", "5"];
        var search = Task.Run(() => CliRun.Of(args));

        long killedJob = 0;
        int killedPid = 0;
        var clock = Stopwatch.StartNew();
        while (killedJob == 0)
        {
            Assert.False(search.IsCompleted, "the search ended before a worker could be killed: " + (search.IsCompleted ? search.Result.Error + search.Result.Output : ""));
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no worker started a task run within three minutes");
            if (File.Exists(store) || store.StartsWith(SearchStore.PostgresPrefix, StringComparison.Ordinal))
            {
                using var opened = SearchStore.Open(store);
                var training = opened.Activities().FirstOrDefault(a => a.Activity.StartsWith("training", StringComparison.Ordinal) && a.Activity.Contains(" on arith")
                                                                       && DateTimeOffset.UtcNow - a.Since > TimeSpan.FromMilliseconds(300));
                if (training is not null)
                {
                    killedPid = training.ProcessId;
                    killedJob = training.JobId!.Value;
                    Process.GetProcessById(killedPid).Kill();   // SIGKILL: the job is not given back, its lease must expire
                }
            }
            Thread.Sleep(50);
        }

        Assert.True(search.Wait(TimeSpan.FromMinutes(5)), "the search did not finish within five minutes of the kill");
        var run = search.Result;
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        using var done = SearchStore.Open(store);
        AssertEveryJobRanOnceExcept(done, twice: killedJob);
        var killed = done.Activities().Single(a => a.ProcessId == killedPid);
        Assert.NotEqual("stopped", killed.Activity);   // it never got to say so
    }

    [StoreFact]
    public void A_search_whose_workers_all_died_stops_with_an_error_instead_of_waiting_forever()
    {
        string store = NewStore("orphaned");
        var search = Task.Run(() => CliRun.Of(["search", "run", "--store", store, "--workers", "2", "--lease-seconds", "6", .. Budget]));
        var killed = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (killed.Count < 2)
        {
            Assert.False(search.IsCompleted, "the search ended before its workers could be killed: " + (search.IsCompleted ? search.Result.Error + search.Result.Output : ""));
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the workers did not report within three minutes");
            if (File.Exists(store) || store.StartsWith(SearchStore.PostgresPrefix, StringComparison.Ordinal))
            {
                using var opened = SearchStore.Open(store);
                foreach (var w in opened.Activities().Where(a => a.Activity != "stopped" && !killed.Contains(a.ProcessId)))
                {
                    try { Process.GetProcessById(w.ProcessId).Kill(); } catch (ArgumentException) { }   // exited already
                    killed.Add(w.ProcessId);
                }
            }
            Thread.Sleep(50);
        }
        Assert.True(search.Wait(TimeSpan.FromMinutes(2)), "the search still waits two minutes after its last worker died");
        var run = search.Result;
        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("Every worker process has exited", run.Error);
        Assert.Contains("--resume", run.Error);
    }
}

public sealed class SqliteSearchWorkersTests : SearchWorkersTests
{
    protected override string NewStore(string name) => Path.Combine(Dir, name + ".db");
}

public sealed class PostgresSearchWorkersTests : SearchWorkersTests, INeedsPostgres
{
    private readonly List<PostgresScratch> _schemas = new();

    protected override string NewStore(string name)
    {
        var scratch = new PostgresScratch();
        _schemas.Add(scratch);
        return SearchStore.PostgresPrefix + scratch.ConnectionString;
    }

    public override void Dispose()
    {
        foreach (var s in _schemas) s.Dispose();
        base.Dispose();
    }
}
