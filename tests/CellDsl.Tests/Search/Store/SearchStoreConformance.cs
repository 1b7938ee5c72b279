using System.Collections.Concurrent;
using CellDsl.Search.Store;
using Xunit;

namespace CellDsl.Tests.Search.Store;

/// <summary>
/// What every store promises, run against each (SQLite and PostgreSQL subclasses below): architectures deduplicated by
/// canonical key, jobs by (architecture, task, hyperparameters), claims in queue order under leases that expire and
/// are renewed, completion only by the claim's holder, and a refused schema version.
/// </summary>
public abstract class SearchStoreConformance : IDisposable
{
    private readonly List<ISearchStore> _opened = new();

    /// <summary>Opens the test's store; a second call opens the same store again, as another process would.</summary>
    protected abstract ISearchStore OpenStore();

    /// <summary>Overwrites the stored schema version behind the store's back.</summary>
    protected abstract void WriteSchemaVersion(long version);

    /// <summary>Runs one statement on the store's tables directly, behind the store's back.</summary>
    protected abstract void Behind(string sql);

    /// <summary>A piece of the text that names this test's store in errors (its file, its schema).</summary>
    protected abstract string LocationName { get; }

    protected ISearchStore Open()
    {
        var store = OpenStore();
        _opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in _opened)
            store.Dispose();
    }

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    // Short enough to wait out in a test, long enough that a busy machine does not expire it before the next line.
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);
    private static void WaitOut(TimeSpan lease) => Thread.Sleep(lease + TimeSpan.FromMilliseconds(400));

    private static Architecture Arch(string name, string key, long? parent = null)
        => new(0, name, key, $"graph of {name}", parent, parent is null ? null : "swapped an operand", 17, default);

    private static Job NewJob(long arch, string task = "arith", string hp = "{\"lr\":0.5}", long seed = 3)
        => new(0, arch, task == "memorize" ? JobKind.Filter : JobKind.Task, task, hp, seed, JobStatus.Pending);

    private static JobResult Scored(double score) => new(score, null, 0.25, 1.5, "{\"epochs\":2}");

    private static List<Job> Queue(ISearchStore store, int n)
    {
        long arch = store.AddArchitecture(Arch("LSTM", "key-lstm")).Architecture.Id;
        return store.AddJobs(Enumerable.Range(0, n).Select(i => NewJob(arch, hp: $"{{\"i\":{i}}}", seed: i))).ToList();
    }

    [StoreFact]
    public void Architectures_with_one_canonical_key_are_stored_once_whatever_their_name_or_graph_text()
    {
        var store = Open();
        var (gru, added) = store.AddArchitecture(Arch("GRU", "key-gru"));
        Assert.True(added);
        Assert.True(gru.Id > 0);
        var (again, addedAgain) = store.AddArchitecture(Arch("m-7", "key-gru") with { GraphText = "same cell, operands swapped" });
        Assert.False(addedAgain);
        Assert.Equal(gru, again);

        // A key longer than an index entry may be (PostgreSQL: about 2.7 kB) still deduplicates.
        string longKey = string.Concat(Enumerable.Repeat("add(mul(sigmoid(x),h),tanh(c));", 400));
        var (mutant, mutantAdded) = store.AddArchitecture(Arch("m-8", longKey, parent: gru.Id));
        Assert.True(mutantAdded);
        Assert.False(store.AddArchitecture(Arch("m-9", longKey)).Added);
        Assert.NotEqual(gru.Id, mutant.Id);

        Assert.Equal(mutant, store.FindArchitecture(mutant.Id));
        Assert.Equal(mutant, store.FindByKey(longKey));
        Assert.Equal(gru.Id, mutant.ParentId);
        Assert.Equal("swapped an operand", mutant.Mutation);
        Assert.Null(store.FindByKey("no such key"));
        Assert.Null(store.FindArchitecture(mutant.Id + 100));
    }

    [StoreFact]
    public void A_job_equal_to_one_queued_before_is_not_queued_twice()
    {
        var store = Open();
        long arch = store.AddArchitecture(Arch("LSTM", "key-lstm")).Architecture.Id;
        long other = store.AddArchitecture(Arch("GRU", "key-gru")).Architecture.Id;
        var first = store.AddJobs([NewJob(arch), NewJob(arch, seed: 99), NewJob(arch, hp: "{\"lr\":1}"), NewJob(arch, task: "xml"), NewJob(other)]);
        Assert.Equal(5, first.Count);
        Assert.Equal(first[0].Id, first[1].Id);            // same architecture, task and hyperparameters: the same job
        Assert.Equal(3L, first[1].Seed);                  // and the one queued first is the one kept
        Assert.Equal(4, first.Select(j => j.Id).Distinct().Count());

        var later = store.AddJobs([NewJob(arch, hp: "{\"lr\":1}"), NewJob(arch, task: "memorize")]);
        Assert.Equal(first[2].Id, later[0].Id);
        Assert.Equal(JobKind.Filter, later[1].Kind);
        Assert.Equal(5L, store.Counts()[JobStatus.Pending]);
    }

    [StoreFact]
    public void Claims_take_the_oldest_pending_job_first_and_each_job_once()
    {
        var store = Open();
        var jobs = Queue(store, 3);
        var claims = Enumerable.Range(0, 3).Select(i => store.ClaimNext($"w{i}", Long)!).ToList();
        Assert.Equal(jobs.Select(j => j.Id), claims.Select(c => c.Job.Id));
        Assert.All(claims, c => Assert.Equal(JobStatus.Claimed, c.Job.Status));
        Assert.All(claims, c => Assert.Equal(1, c.Job.Attempts));
        Assert.Equal(3, claims.Select(c => c.Token).Distinct().Count());
        Assert.Null(store.ClaimNext("w3", Long));
        Assert.Equal(3L, store.Counts()[JobStatus.Claimed]);
    }

    [StoreFact]
    public void Concurrent_claims_from_two_connections_never_take_one_job_twice()
    {
        var a = Open();
        var b = Open();
        var jobs = Queue(a, 40);
        var taken = new ConcurrentBag<long>();
        Parallel.For(0, 4, t =>
        {
            var store = t % 2 == 0 ? a : b;
            while (store.ClaimNext($"t{t}", Long) is { } claim)
                taken.Add(claim.Job.Id);
        });
        Assert.Equal(jobs.Select(j => j.Id).Order(), taken.Order());
    }

    [StoreFact]
    public void An_expired_lease_makes_the_job_claimable_again_and_counts_the_attempt()
    {
        var store = Open();
        var job = Queue(store, 1)[0];
        var first = store.ClaimNext("killed", Short)!;
        Assert.Null(store.ClaimNext("other", Long));     // the lease still runs
        WaitOut(Short);
        var second = store.ClaimNext("other", Long)!;
        Assert.Equal(job.Id, second.Job.Id);
        Assert.Equal(2, second.Job.Attempts);
        Assert.NotEqual(first.Token, second.Token);
        Assert.True(second.LeaseUntil > first.LeaseUntil);
    }

    [StoreFact]
    public void Renewing_keeps_a_live_lease_and_fails_once_the_lease_was_lost()
    {
        var store = Open();
        Queue(store, 1);
        var claim = store.ClaimNext("w", Short)!;
        Assert.True(store.Renew(claim, Long));
        WaitOut(Short);
        Assert.Null(store.ClaimNext("other", Long));     // renewed past the first lease's end

        Assert.True(store.Renew(claim, Short));
        WaitOut(Short);
        Assert.NotNull(store.ClaimNext("other", Long));
        Assert.False(store.Renew(claim, Long));
    }

    [StoreFact]
    public void Completing_with_a_stale_claim_fails_and_its_result_is_discarded()
    {
        var store = Open();
        Queue(store, 1);
        var stale = store.ClaimNext("slow", Short)!;
        WaitOut(Short);
        var current = store.ClaimNext("fast", Long)!;
        Assert.False(store.Complete(stale, Scored(0.1)));
        Assert.True(store.Complete(current, Scored(0.9)));
        Assert.False(store.Complete(current, Scored(0.5)));   // done: a second completion is refused too
        Assert.False(store.Renew(current, Long));
        var result = Assert.Single(store.Results());
        Assert.Equal(0.9, result.Result.Score);
        Assert.Equal(JobStatus.Done, result.Job.Status);
    }

    [StoreFact]
    public void An_expired_lease_that_nobody_reclaimed_still_completes()
    {
        var store = Open();
        Queue(store, 1);
        var claim = store.ClaimNext("w", Short)!;
        WaitOut(Short);
        Assert.True(store.Complete(claim, Scored(0.7)));
        Assert.Null(store.ClaimNext("other", Long));
    }

    [StoreFact]
    public void A_released_job_is_claimable_at_once_and_a_stale_release_fails()
    {
        var store = Open();
        var job = Queue(store, 1)[0];
        var claim = store.ClaimNext("stopping", Long)!;
        Assert.True(store.Release(claim));
        Assert.Equal(1L, store.Counts()[JobStatus.Pending]);
        var next = store.ClaimNext("other", Long)!;
        Assert.Equal(job.Id, next.Job.Id);
        Assert.Equal(2, next.Job.Attempts);
        Assert.False(store.Release(claim));
        Assert.False(store.Complete(claim, Scored(0.3)));
    }

    [StoreFact]
    public void Results_and_counts_show_done_failed_claimed_and_pending_jobs()
    {
        var store = Open();
        var jobs = Queue(store, 4);
        var done = store.ClaimNext("w", Long)!;
        var failed = store.ClaimNext("w", Long)!;
        store.ClaimNext("w", Long);
        Assert.True(store.Complete(done, new JobResult(0.625, null, 0.5, 2.25, "{\"tokensPerSecond\":1000}")));
        Thread.Sleep(5);   // finished at distinct milliseconds, so the order is by time and not only by id
        Assert.True(store.Complete(failed, new JobResult(null, "NaN at step 12", 0.5, 0.75, "{}")));

        var counts = store.Counts();
        Assert.Equal(new Dictionary<JobStatus, long> { [JobStatus.Pending] = 1, [JobStatus.Claimed] = 1, [JobStatus.Done] = 1, [JobStatus.Failed] = 1 }, counts);
        var results = store.Results();
        Assert.Equal([jobs[0].Id, jobs[1].Id], results.Select(r => r.Job.Id));
        Assert.Equal(new JobResult(0.625, null, 0.5, 2.25, "{\"tokensPerSecond\":1000}"), results[0].Result);
        Assert.Equal(new JobResult(null, "NaN at step 12", 0.5, 0.75, "{}"), results[1].Result);
        Assert.Equal(JobStatus.Failed, results[1].Job.Status);
        Assert.Equal(jobs[1].Hyperparameters, results[1].Job.Hyperparameters);
        Assert.True(results[0].FinishedAt <= results[1].FinishedAt);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - results[1].FinishedAt).TotalMinutes) < 5);
    }

    [StoreFact]
    public void Settings_are_overwritten_by_name_and_read_back_after_reopening()
    {
        var store = Open();
        Assert.Null(store.GetSetting("seed"));
        store.SetSetting("seed", "41");
        store.SetSetting("seed", "42");
        store.SetSetting("settings", "{\"top\":100}");
        var reopened = Open();
        Assert.Equal("42", reopened.GetSetting("seed"));
        Assert.Equal("{\"top\":100}", reopened.GetSetting("settings"));
        Assert.Equal(SqlSearchStore.CurrentSchemaVersion, reopened.SchemaVersion);
    }

    [StoreFact]
    public void A_store_of_another_schema_version_is_refused_naming_the_store_and_both_versions()
    {
        Open().Dispose();
        WriteSchemaVersion(SqlSearchStore.CurrentSchemaVersion + 98);
        var e = Assert.Throws<SearchStoreException>(() => OpenStore());
        Assert.Contains(LocationName, e.Message);
        Assert.Contains($"schema version {SqlSearchStore.CurrentSchemaVersion + 98}", e.Message);
        Assert.Contains($"version {SqlSearchStore.CurrentSchemaVersion}", e.Message);
    }

    [StoreFact]
    public void A_version_1_store_is_migrated_when_opened_and_keeps_its_history()
    {
        var store = Open();
        var jobs = Queue(store, 2);
        var claim = store.ClaimNext("w", Long)!;
        Assert.True(store.Complete(claim, new JobResult(0.5, null, 0.25, 2, "{}")));
        store.SetSetting("search.options", "{}");
        // What version 1 was: no workers table, no result numbers.
        MakeVersion2();
        Behind("DROP TABLE workers");
        Behind("UPDATE schema_version SET version = 1");

        var migrated = Open();
        Assert.Equal(SqlSearchStore.CurrentSchemaVersion, migrated.SchemaVersion);
        Assert.Equal("{}", migrated.GetSetting("search.options"));
        var result = Assert.Single(migrated.Results());
        Assert.Equal((jobs[0].Id, 0.5, 0.25), (result.Job.Id, result.Result.Score, result.Result.CompileSeconds));
        Assert.Equal(jobs[1].Id, migrated.ClaimNext("w", Long)!.Job.Id);
        migrated.ReportActivity("w", 7, "training", jobs[1].Id);
        Assert.Equal("training", Assert.Single(Open().Activities()).Activity);
    }

    /// <summary>Turns the store's tables back into version 2's: results without their numbers.</summary>
    private void MakeVersion2()
    {
        Behind("DROP INDEX results_seq");
        Behind("ALTER TABLE results DROP COLUMN seq");
        Behind("DROP TABLE result_sequence");
        Behind("UPDATE schema_version SET version = 2");
    }

    [StoreFact]
    public void A_version_2_store_is_migrated_numbering_its_results_in_the_order_results_lists_them()
    {
        var store = Open();
        var jobs = Queue(store, 4);
        // Completed out of queue order, so the numbers must follow the finishing order and not the job ids.
        var first = store.ClaimNext("w", Long)!;
        var second = store.ClaimNext("w", Long)!;
        var third = store.ClaimNext("w", Long)!;
        Assert.True(store.Complete(second, Scored(0.2)));
        Thread.Sleep(5);
        Assert.True(store.Complete(first, Scored(0.1)));
        Thread.Sleep(5);
        Assert.True(store.Complete(third, Scored(0.3)));
        MakeVersion2();

        var migrated = Open();
        Assert.Equal(3, migrated.SchemaVersion);
        var numbered = migrated.ResultsSince(0);
        Assert.Equal([1L, 2L, 3L], numbered.Select(r => r.Sequence));
        Assert.Equal(migrated.Results().Select(r => r.Job.Id), numbered.Select(r => r.Job.Id));
        Assert.Equal([jobs[1].Id, jobs[0].Id, jobs[2].Id], numbered.Select(r => r.Job.Id));
        // New results continue the numbering.
        Assert.True(migrated.Complete(migrated.ClaimNext("w", Long)!, Scored(0.4)));
        var after = Assert.Single(migrated.ResultsSince(3));
        Assert.Equal((4L, jobs[3].Id), (after.Sequence, after.Job.Id));
    }

    [StoreFact]
    public void Results_an_older_version_wrote_after_the_migration_are_numbered_after_the_rest_when_the_store_opens()
    {
        var store = Open();
        var jobs = Queue(store, 3);
        Assert.True(store.Complete(store.ClaimNext("w", Long)!, Scored(0.1)));
        var late = store.ClaimNext("w", Long)!;
        // A version 2 process that opened the store before it was migrated stores a result as version 2 did.
        Assert.True(store.Complete(late, Scored(0.2)));
        Behind($"UPDATE results SET seq = NULL WHERE job_id = {late.Job.Id}");
        Behind("UPDATE result_sequence SET last = 1");

        var reopened = Open();
        var numbered = reopened.ResultsSince(1);
        Assert.Equal((2L, jobs[1].Id), (Assert.Single(numbered).Sequence, numbered[0].Job.Id));
        Assert.Equal(2, reopened.Results().Count);
        Assert.True(reopened.Complete(reopened.ClaimNext("w", Long)!, Scored(0.3)));
        Assert.Equal((3L, jobs[2].Id), (Assert.Single(reopened.ResultsSince(2)).Sequence, reopened.ResultsSince(2)[0].Job.Id));
    }

    [StoreFact]
    public void Results_since_a_number_are_those_recorded_after_it_in_the_order_recorded()
    {
        var store = Open();
        var jobs = Queue(store, 3);
        Assert.Empty(store.ResultsSince(0));
        var claims = Enumerable.Range(0, 3).Select(_ => store.ClaimNext("w", Long)!).ToList();
        Assert.True(store.Complete(claims[2], Scored(0.3)));
        Assert.True(store.Complete(claims[0], new JobResult(null, "diverged", 0.5, 0.75, "{}")));
        var all = store.ResultsSince(0);
        Assert.Equal([jobs[2].Id, jobs[0].Id], all.Select(r => r.Job.Id));
        Assert.True(all[0].Sequence > 0 && all[1].Sequence > all[0].Sequence);
        Assert.Equal(new JobResult(null, "diverged", 0.5, 0.75, "{}"), all[1].Result);
        Assert.Equal(JobStatus.Failed, all[1].Job.Status);

        Assert.True(store.Complete(claims[1], Scored(0.2)));
        var newer = store.ResultsSince(all[1].Sequence);
        Assert.Equal(jobs[1].Id, Assert.Single(newer).Job.Id);
        Assert.Equal([jobs[0].Id, jobs[1].Id], Open().ResultsSince(all[0].Sequence).Select(r => r.Job.Id));
        Assert.Empty(store.ResultsSince(newer[0].Sequence));
        // A stale completion records nothing, so it takes no number.
        Assert.False(store.Complete(claims[1], Scored(0.9)));
        Assert.Empty(store.ResultsSince(newer[0].Sequence));
    }

    [StoreFact]
    public void A_reader_that_asks_only_for_newer_results_while_workers_complete_jobs_misses_none()
    {
        // Completions commit concurrently (PostgreSQL) or one after another (SQLite); either way a number must not
        // become readable before a lower one, or the reader, having moved past it, would never see the lower one.
        // (With numbers from a plain PostgreSQL sequence, eight workers over 400 jobs were enough to fail every time.)
        var store = Open();
        var jobs = Queue(store, 400);
        var read = new List<(long Sequence, long Job)>();
        using var stop = new CancellationTokenSource();
        var readerStore = Open();
        var workerStores = Enumerable.Range(0, 8).Select(_ => Open()).ToList();
        var reader = Task.Run(() =>
        {
            var mine = readerStore;
            long last = 0;
            while (true)
            {
                bool finishing = stop.IsCancellationRequested;
                foreach (var r in mine.ResultsSince(last)) { read.Add((r.Sequence, r.Job.Id)); last = r.Sequence; }
                if (finishing) return;
            }
        });
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            var mine = workerStores[w];
            while (mine.ClaimNext("w" + w, Long) is { } claim) Assert.True(mine.Complete(claim, Scored(claim.Job.Seed / 100.0)));
        })).ToArray();
        Task.WaitAll(workers);
        stop.Cancel();
        reader.Wait();

        Assert.Equal(read.Select(r => r.Sequence).Order(), read.Select(r => r.Sequence));
        Assert.Equal(read.Count, read.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(jobs.Select(j => j.Id).Order(), read.Select(r => r.Job).Order());
    }

    [StoreFact]
    public void A_worker_activity_replaces_the_last_one_and_keeps_its_start_while_unchanged()
    {
        var store = Open();
        store.ReportActivity("w1", 11, "compiling", 3);
        var first = Assert.Single(store.Activities());
        Thread.Sleep(20);
        store.ReportActivity("w1", 11, "compiling", 3);
        var again = Assert.Single(store.Activities());
        Assert.Equal(first.Since, again.Since);
        Assert.True(again.SeenAt > first.SeenAt);
        Thread.Sleep(20);
        store.ReportActivity("w1", 11, "training", 3);
        store.ReportActivity("w0", 12, "waiting", null);
        var all = Open().Activities();
        Assert.Equal(["w0", "w1"], all.Select(a => a.Worker));
        Assert.Equal((12, "waiting", (long?)null), (all[0].ProcessId, all[0].Activity, all[0].JobId));
        Assert.Equal(("training", (long?)3), (all[1].Activity, all[1].JobId));
        Assert.True(all[1].Since > first.Since);
    }

    [StoreFact]
    public void A_non_positive_lease_is_refused_by_name()
    {
        var store = Open();
        Queue(store, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => store.ClaimNext("w", TimeSpan.Zero));
        Assert.Equal("lease", e.ParamName);
    }
}

public sealed class SqliteSearchStoreTests : SearchStoreConformance
{
    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-store-").FullName;
    private string File => Path.Combine(_dir, "search.db");

    protected override ISearchStore OpenStore() => new SqliteSearchStore(File);

    protected override string LocationName => File;

    protected override void WriteSchemaVersion(long version) => Sql(File, $"UPDATE schema_version SET version = {version}");

    protected override void Behind(string sql) => Sql(File, sql);

    /// <summary>Runs one statement on the file directly, behind the store's back.</summary>
    private static object? Sql(string file, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_file_is_in_write_ahead_log_mode()
    {
        Open();
        Assert.Equal("wal", Sql(File, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Reads_go_through_while_another_process_holds_the_write_lock()
    {
        // A report or leaderboard reading a running search must neither wait for its writers nor hold them up.
        using var store = new SqliteSearchStore(File, busyTimeout: TimeSpan.FromSeconds(1));
        store.SetSetting("search.seed", "7");
        using var writer = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={File};Pooling=False");
        writer.Open();
        using var held = writer.BeginTransaction(deferred: false);   // BEGIN IMMEDIATE: the write lock, kept

        Assert.Equal("7", store.GetSetting("search.seed"));
        Assert.Empty(store.Results());
        Assert.Empty(store.ResultsSince(0));
        Assert.Equal(0, store.Counts()[JobStatus.Pending]);
        Assert.Empty(store.Activities());
        Assert.Null(store.FindArchitecture(1));
        Assert.Null(store.FindByKey("no such key"));
        // The lock is real: a write waits for it and gives up after the busy timeout.
        Assert.ThrowsAny<System.Data.Common.DbException>(() => store.SetSetting("search.seed", "8"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_by_name()
    {
        string notes = Path.Combine(_dir, "notes.txt");
        System.IO.File.WriteAllText(notes, new string('x', 4096));
        var e = Assert.Throws<SearchStoreException>(() => new SqliteSearchStore(notes));
        Assert.Contains(notes, e.Message);
    }

    [Fact]
    public void A_store_in_a_missing_folder_is_refused_naming_the_folder()
    {
        string missing = Path.Combine(_dir, "no-such-folder");
        var e = Assert.Throws<SearchStoreException>(() => new SqliteSearchStore(Path.Combine(missing, "search.db")));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void Another_programs_database_is_refused_as_not_a_search_store()
    {
        string other = Path.Combine(_dir, "other.db");
        Sql(other, "CREATE TABLE jobs (id INTEGER)");
        var e = Assert.Throws<SearchStoreException>(() => new SqliteSearchStore(other));
        Assert.Contains("not a CellDsl search store", e.Message);
    }

    [Fact]
    public void Open_names_a_file_for_sqlite_and_a_prefixed_connection_string_for_postgres()
    {
        using var store = SearchStore.Open(File);
        Assert.IsType<SqliteSearchStore>(store);
        var e = Assert.Throws<SearchStoreException>(() => SearchStore.Open("postgres:Host=127.0.0.1;Port=1;Database=nowhere;Timeout=2"));
        Assert.Contains("'nowhere' on 127.0.0.1:1", e.Message);
    }
}

public sealed class PostgresSearchStoreTests : SearchStoreConformance, INeedsPostgres
{
    private readonly Lazy<PostgresScratch> _scratch = new(() => new PostgresScratch());

    protected override ISearchStore OpenStore() => new PostgresSearchStore(_scratch.Value.ConnectionString);

    protected override string LocationName => "schema " + _scratch.Value.Schema;

    protected override void WriteSchemaVersion(long version) => _scratch.Value.Run($"UPDATE {_scratch.Value.Schema}.schema_version SET version = {version}");

    protected override void Behind(string sql) => _scratch.Value.Run($"SET search_path TO {_scratch.Value.Schema}; {sql}");

    public override void Dispose()
    {
        base.Dispose();
        if (_scratch.IsValueCreated)
            _scratch.Value.Dispose();
    }
}
