using System.Diagnostics;
using CellDsl.Search.Store;
using CellDsl.Search.Workers;
using Xunit;

namespace CellDsl.Tests.Search.Store;

/// <summary>The worker loop in one process, over an SQLite store: renewal while a job runs, a lost lease, an evaluator
/// that throws, and a stop that releases the job.</summary>
public sealed class WorkerLoopTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-worker-").FullName;
    private readonly SqliteSearchStore _store;

    public WorkerLoopTests() => _store = new SqliteSearchStore(Path.Combine(_dir, "search.db"));

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private List<Job> Queue(int n)
    {
        long arch = _store.AddArchitecture(new Architecture(0, "LSTM", "key", "graph", null, null, 1, default)).Architecture.Id;
        return _store.AddJobs(Enumerable.Range(0, n).Select(i => new Job(0, arch, JobKind.Task, "xml", $"{{\"i\":{i}}}", i, JobStatus.Pending))).ToList();
    }

    private static JobResult Scored(Job job) => new(job.Seed / 10.0, null, 0, 0, "{}");

    [Fact]
    public void The_lease_is_renewed_while_a_job_runs_longer_than_the_lease()
    {
        Queue(1);
        using var other = new SqliteSearchStore(_store.Path);
        Claim? stolen = null;
        // Renewed every 200 ms, a 2.5 s lease survives the renewal thread losing its core for seconds, as it does
        // when the whole suite runs on two busy cores (a 600 ms lease was lost there once).
        var worker = new Worker(_store, "w", (job, cancel) =>
        {
            Thread.Sleep(6000);                                    // over two leases long
            stolen = other.ClaimNext("thief", TimeSpan.FromMinutes(1));
            return Scored(job);
        }, new WorkerOptions { Lease = TimeSpan.FromMilliseconds(2500), RenewEvery = TimeSpan.FromMilliseconds(200), ExitWhenDrained = true, IdlePoll = TimeSpan.FromMilliseconds(20) });
        Assert.Equal(new WorkerSummary(1, 0, 0), worker.Run(CancellationToken.None));
        Assert.Null(stolen);
        Assert.Single(_store.Results());
    }

    [Fact]
    public async Task A_lost_lease_cancels_the_evaluation_and_no_result_is_recorded()
    {
        Queue(1);
        bool cancelled = false;
        var worker = new Worker(new FaultyStore(_store), "w", (job, cancel) =>
        {
            cancelled = cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            cancel.ThrowIfCancellationRequested();
            return Scored(job);
        }, new WorkerOptions { Lease = TimeSpan.FromMinutes(1), RenewEvery = TimeSpan.FromMilliseconds(50) });
        using var stop = new CancellationTokenSource();
        var summary = Task.Run(() => worker.Run(stop.Token));
        // The loop would claim nothing more; stop it once the lost job is accounted for.
        var clock = Stopwatch.StartNew();
        while (!cancelled && clock.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(10);
        stop.Cancel();
        Assert.True(cancelled);
        Assert.Equal(new WorkerSummary(0, 1, 0), await summary);
        Assert.Empty(_store.Results());
    }

    [Fact]
    public void An_evaluator_that_throws_records_a_failed_job_and_the_worker_goes_on()
    {
        var jobs = Queue(2);
        var worker = new Worker(_store, "w", (job, _) => job.Id == jobs[0].Id ? throw new InvalidOperationException("no such task") : Scored(job),
            new WorkerOptions { ExitWhenDrained = true });
        Assert.Equal(new WorkerSummary(2, 0, 0), worker.Run(CancellationToken.None));
        var results = _store.Results();
        Assert.Equal("the evaluator threw InvalidOperationException: no such task", results.Single(r => r.Job.Id == jobs[0].Id).Result.Failure);
        Assert.Equal(JobStatus.Failed, results.Single(r => r.Job.Id == jobs[0].Id).Job.Status);
        Assert.Equal(0.1, results.Single(r => r.Job.Id == jobs[1].Id).Result.Score);
    }

    [Fact]
    public void Stopping_cancels_the_running_evaluation_and_releases_its_job()
    {
        var jobs = Queue(2);
        using var stop = new CancellationTokenSource();
        var worker = new Worker(_store, "w", (job, cancel) =>
        {
            stop.Cancel();                                        // Ctrl-C while the first job runs
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            cancel.ThrowIfCancellationRequested();
            return Scored(job);
        });
        Assert.Equal(new WorkerSummary(0, 0, 1), worker.Run(stop.Token));
        Assert.Equal(2L, _store.Counts()[JobStatus.Pending]);
        Assert.Equal(jobs[0].Id, _store.ClaimNext("next", TimeSpan.FromMinutes(1))!.Job.Id);
    }

    [Fact]
    public void A_renewal_interval_not_shorter_than_the_lease_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Worker(_store, "w", (job, _) => Scored(job),
            new WorkerOptions { Lease = TimeSpan.FromSeconds(1), RenewEvery = TimeSpan.FromSeconds(1) }));
        Assert.Contains("RenewEvery", e.Message);
    }

    [Fact]
    public void The_launcher_refuses_fewer_than_one_worker_naming_the_option()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => WorkerLauncher.Start(0, _ => new ProcessStartInfo("true")));
        Assert.Contains("--workers", e.Message);
    }

    [Fact]
    public void A_database_error_is_retried_and_the_worker_goes_on()
    {
        var jobs = Queue(2);
        var lines = new List<string>();
        var flaky = new FaultyStore(_store) { ClaimFailures = 2, LoseRenewals = false };
        var worker = new Worker(flaky, "w", (job, _) => Scored(job), new WorkerOptions { ExitWhenDrained = true, Log = lines.Add });
        Assert.Equal(new WorkerSummary(2, 0, 0), worker.Run(CancellationToken.None));
        Assert.Equal(2, lines.Count(l => l.Contains("claiming a job failed (the server closed the connection); retrying")));
        Assert.Equal(jobs.Select(j => j.Id), _store.Results().Select(r => r.Job.Id));
    }

    private sealed class ConnectionLost() : System.Data.Common.DbException("the server closed the connection");

    /// <summary>A store whose renewals report the lease lost, as after another worker reclaimed it, and whose first
    /// claims fail as a dropped connection would.</summary>
    private sealed class FaultyStore(ISearchStore inner) : DelegatingSearchStore(inner)
    {
        public bool LoseRenewals { get; init; } = true;
        public int ClaimFailures { get; set; }
        public override Claim? ClaimNext(string worker, TimeSpan lease) => ClaimFailures-- > 0 ? throw new ConnectionLost() : base.ClaimNext(worker, lease);
        public override bool Renew(Claim claim, TimeSpan lease) => !LoseRenewals && base.Renew(claim, lease);
    }
}
