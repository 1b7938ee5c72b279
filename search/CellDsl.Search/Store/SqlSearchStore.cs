using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace CellDsl.Search.Store
{
    /// <summary>
    /// The store's SQL, shared by SQLite and PostgreSQL: both speak <c>ON CONFLICT</c> and <c>RETURNING</c>, so the
    /// dialects differ only in how a transaction starts, whose clock leases run on, how a claim locks its row, and
    /// column types. Every method opens a connection, runs one transaction and closes it, so one store object may be
    /// shared by threads (a worker's lease-renewal timer and its evaluation loop).
    /// </summary>
    public abstract class SqlSearchStore : ISearchStore
    {
        /// <summary>The schema this code reads and writes; docs/SEARCH.md describes each version.</summary>
        public const int CurrentSchemaVersion = 3;

        public int SchemaVersion => CurrentSchemaVersion;

        /// <summary>The file or database, as error messages name it.</summary>
        public abstract string Location { get; }

        private protected abstract DbConnection Open();

        /// <summary>A write transaction: SQLite takes the database's write lock at once (BEGIN IMMEDIATE) so two
        /// claims never both read the same pending job.</summary>
        private protected abstract DbTransaction Begin(DbConnection connection);

        /// <summary>A transaction that only reads: by default the same as <see cref="Begin"/>; SQLite starts a deferred
        /// one, which in WAL mode neither waits for the writer nor holds up the loop and the workers while a report or
        /// a leaderboard reads the store.</summary>
        private protected virtual DbTransaction BeginRead(DbConnection connection) => Begin(connection);

        /// <summary>Milliseconds since the Unix epoch on the clock every worker shares (PostgreSQL: the server's).</summary>
        private protected abstract long Now(DbTransaction tx);

        /// <summary>What follows the claim's row choice: PostgreSQL's FOR UPDATE SKIP LOCKED, nothing for SQLite
        /// (its write lock already serializes claims).</summary>
        private protected abstract string ClaimLock { get; }

        private protected abstract string IdColumn { get; }
        private protected abstract string RealColumn { get; }

        /// <summary>Whether a table of this name exists where the store's tables live.</summary>
        private protected abstract bool TableExists(DbTransaction tx, string table);

        /// <summary>Serializes schema creation between processes opening a fresh store at once.</summary>
        private protected virtual void LockSchema(DbTransaction tx) { }

        /// <summary>Creates the schema in a fresh store or checks the version of an existing one. Called by the
        /// subclass's constructor once its connection settings are in place.</summary>
        private protected void Initialize()
        {
            Run(tx =>
            {
                LockSchema(tx);
                if (TableExists(tx, "schema_version"))
                {
                    var found = Query(tx, "SELECT version FROM schema_version", null, r => r.GetInt64(0));
                    if (found.Count != 1)
                        throw new SearchStoreException($"{Location} has a damaged schema_version table ({found.Count} rows, expected 1); restore it from a copy or start a new store.");
                    if (found[0] >= 1 && found[0] < CurrentSchemaVersion)
                        Migrate(tx, found[0]);
                    else if (found[0] != CurrentSchemaVersion)
                        throw new SearchStoreException($"{Location} has schema version {found[0]}, but this CellDsl reads and writes version {CurrentSchemaVersion}; open it with the CellDsl that wrote it, or start a new store.");
                    NumberStragglers(tx);
                    return 0;
                }
                if (TableExists(tx, "jobs") || TableExists(tx, "architectures"))
                    throw new SearchStoreException($"{Location} holds tables but no schema_version: it is not a CellDsl search store. Name another file or database.");
                ExecuteAll(tx, Schema + ";" + Version2 + ";" + Version3);
                Execute(tx, "INSERT INTO schema_version (version) VALUES (@v)", c => Add(c, "@v", (long)CurrentSchemaVersion));
                return 0;
            });
        }

        /// <summary>Brings an older store up to the current version in the transaction that opens it, so a search
        /// started by an older CellDsl resumes with its history intact.</summary>
        private void Migrate(DbTransaction tx, long from)
        {
            // Version 2 adds a table, version 3 a column numbering the results stored so far in the order Results()
            // lists them: what was stored keeps its meaning.
            if (from <= 1) ExecuteAll(tx, Version2);
            if (from <= 2) ExecuteAll(tx, Version3);
            Execute(tx, "UPDATE schema_version SET version = @v", c => Add(c, "@v", (long)CurrentSchemaVersion));
        }

        /// <summary>Numbers results stored without a number, after all the others. An older CellDsl that opened the
        /// store before a newer one migrated it goes on writing them (it checks the version only when it opens); numbered
        /// after the rest, they reach readers that ask for what is new.</summary>
        private void NumberStragglers(DbTransaction tx)
        {
            if (Query(tx, "SELECT job_id FROM results WHERE seq IS NULL LIMIT 1", null, r => r.GetInt64(0)).Count == 0) return;
            ExecuteAll(tx, NumberUnnumbered);
        }

        // The first statement takes the counter's row lock (on PostgreSQL) before the numbers are read from it, as
        // Complete does.
        private const string NumberUnnumbered = @"
UPDATE result_sequence SET last = last;
UPDATE results SET seq = (SELECT last FROM result_sequence) + numbered.n
  FROM (SELECT job_id, ROW_NUMBER() OVER (ORDER BY finished_at, job_id) AS n FROM results WHERE seq IS NULL) numbered
  WHERE results.job_id = numbered.job_id;
UPDATE result_sequence SET last = (SELECT COALESCE(MAX(seq), 0) FROM results)";

        private void ExecuteAll(DbTransaction tx, string statements)
        {
            foreach (string statement in statements.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Execute(tx, statement.Replace("$ID", IdColumn).Replace("$REAL", RealColumn), null);
        }

        // Keys are stored hashed as well: PostgreSQL cannot index text longer than about 2.7 kB, and a canonical key
        // of a large cell is longer.
        private const string Schema = @"
CREATE TABLE schema_version (version BIGINT NOT NULL);
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE architectures (
  id $ID, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, canonical_key TEXT NOT NULL, graph_text TEXT NOT NULL,
  parent_id BIGINT REFERENCES architectures (id), mutation TEXT, seed BIGINT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE jobs (
  id $ID, architecture_id BIGINT NOT NULL REFERENCES architectures (id), kind TEXT NOT NULL, task TEXT NOT NULL,
  hyperparameters TEXT NOT NULL, job_hash TEXT NOT NULL, seed BIGINT NOT NULL, status TEXT NOT NULL,
  worker TEXT, claim_token TEXT, lease_until BIGINT, attempts BIGINT NOT NULL, created_at BIGINT NOT NULL,
  UNIQUE (architecture_id, job_hash));
CREATE INDEX jobs_queue ON jobs (status, id);
CREATE TABLE results (
  job_id BIGINT PRIMARY KEY REFERENCES jobs (id), worker TEXT NOT NULL, score $REAL, failure TEXT,
  compile_seconds $REAL NOT NULL, train_seconds $REAL NOT NULL, details TEXT NOT NULL, finished_at BIGINT NOT NULL)";

        // Version 2: what each worker process is doing, for a display in another process.
        private const string Version2 = @"
CREATE TABLE workers (
  name TEXT PRIMARY KEY, process_id BIGINT NOT NULL, activity TEXT NOT NULL, job_id BIGINT, since BIGINT NOT NULL,
  seen_at BIGINT NOT NULL)";

        // Version 3: results numbered in the order they commit, so a reader asks only for those after the last it saw
        // (ResultsSince). The number comes from a one-row counter that Complete increments in its transaction: the row
        // stays locked until the commit, so numbers commit in order, which an identity column's do not under
        // PostgreSQL's concurrent transactions (a reader could see 11 before 10 commits, and never read 10).
        private const string Version3 = @"
ALTER TABLE results ADD COLUMN seq BIGINT;
UPDATE results SET seq = numbered.n FROM (SELECT job_id, ROW_NUMBER() OVER (ORDER BY finished_at, job_id) AS n FROM results) numbered
  WHERE results.job_id = numbered.job_id;
CREATE UNIQUE INDEX results_seq ON results (seq);
CREATE TABLE result_sequence (last BIGINT NOT NULL);
INSERT INTO result_sequence (last) SELECT COALESCE(MAX(seq), 0) FROM results";

        public string? GetSetting(string name)
            => Read(tx => Query(tx, "SELECT value FROM settings WHERE name = @n", c => Add(c, "@n", name), r => r.GetString(0)).SingleOrDefault());

        public void SetSetting(string name, string value)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(value);
            Run(tx => Execute(tx, "INSERT INTO settings (name, value) VALUES (@n, @v) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                c => { Add(c, "@n", name); Add(c, "@v", value); }));
        }

        private const string ArchitectureColumns = "id, name, canonical_key, graph_text, parent_id, mutation, seed, created_at";

        public (Architecture Architecture, bool Added) AddArchitecture(Architecture architecture)
        {
            ArgumentNullException.ThrowIfNull(architecture);
            ArgumentException.ThrowIfNullOrEmpty(architecture.CanonicalKey, nameof(architecture) + "." + nameof(Architecture.CanonicalKey));
            return Run(tx =>
            {
                long created = architecture.CreatedAt == default ? Now(tx) : architecture.CreatedAt.ToUnixTimeMilliseconds();
                var added = Query(tx, $@"INSERT INTO architectures (name, key_hash, canonical_key, graph_text, parent_id, mutation, seed, created_at)
                    VALUES (@name, @hash, @key, @graph, @parent, @mutation, @seed, @created) ON CONFLICT (key_hash) DO NOTHING RETURNING {ArchitectureColumns}",
                    c =>
                    {
                        Add(c, "@name", architecture.Name); Add(c, "@hash", Hash(architecture.CanonicalKey));
                        Add(c, "@key", architecture.CanonicalKey); Add(c, "@graph", architecture.GraphText);
                        Add(c, "@parent", architecture.ParentId); Add(c, "@mutation", architecture.Mutation);
                        Add(c, "@seed", architecture.Seed); Add(c, "@created", created);
                    }, ReadArchitecture);
                return added.Count == 1 ? (added[0], true) : (FindByKey(tx, architecture.CanonicalKey)!, false);
            });
        }

        public Architecture? FindArchitecture(long id)
            => Read(tx => Query(tx, $"SELECT {ArchitectureColumns} FROM architectures WHERE id = @id", c => Add(c, "@id", id), ReadArchitecture).SingleOrDefault());

        public Architecture? FindByKey(string canonicalKey) => Read(tx => FindByKey(tx, canonicalKey));

        private Architecture? FindByKey(DbTransaction tx, string canonicalKey)
            => Query(tx, $"SELECT {ArchitectureColumns} FROM architectures WHERE key_hash = @hash", c => Add(c, "@hash", Hash(canonicalKey)), ReadArchitecture).SingleOrDefault();

        private static Architecture ReadArchitecture(DbDataReader r)
            => new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetInt64(6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)));

        private const string JobColumns = "id, architecture_id, kind, task, hyperparameters, seed, status, attempts";

        public IReadOnlyList<Job> AddJobs(IEnumerable<Job> jobs)
        {
            ArgumentNullException.ThrowIfNull(jobs);
            var given = jobs.ToList();
            return Run(tx =>
            {
                long now = Now(tx);
                var stored = new List<Job>(given.Count);
                foreach (var job in given)
                {
                    string hash = Hash(job.Task + "\n" + job.Hyperparameters);
                    var added = Query(tx, $@"INSERT INTO jobs (architecture_id, kind, task, hyperparameters, job_hash, seed, status, attempts, created_at)
                        VALUES (@arch, @kind, @task, @hp, @hash, @seed, @status, 0, @now) ON CONFLICT (architecture_id, job_hash) DO NOTHING RETURNING {JobColumns}",
                        c =>
                        {
                            Add(c, "@arch", job.ArchitectureId); Add(c, "@kind", Name(job.Kind)); Add(c, "@task", job.Task);
                            Add(c, "@hp", job.Hyperparameters); Add(c, "@hash", hash); Add(c, "@seed", job.Seed);
                            Add(c, "@status", Name(JobStatus.Pending)); Add(c, "@now", now);
                        }, ReadJob);
                    stored.Add(added.Count == 1 ? added[0] : Query(tx, $"SELECT {JobColumns} FROM jobs WHERE architecture_id = @arch AND job_hash = @hash",
                        c => { Add(c, "@arch", job.ArchitectureId); Add(c, "@hash", hash); }, ReadJob).Single());
                }
                return stored;
            });
        }

        public Claim? ClaimNext(string worker, TimeSpan lease)
        {
            ArgumentException.ThrowIfNullOrEmpty(worker);
            CheckLease(lease);
            var token = Guid.NewGuid();
            return Run(tx =>
            {
                long now = Now(tx), until = now + (long)lease.TotalMilliseconds;
                // A claimed job whose lease ran out is as claimable as a pending one: its worker died or hung.
                var job = Query(tx, $@"UPDATE jobs SET status = @claimed, worker = @worker, claim_token = @token, lease_until = @until, attempts = attempts + 1
                    WHERE id = (SELECT id FROM jobs WHERE status = @pending OR (status = @claimed AND lease_until < @now) ORDER BY id LIMIT 1 {ClaimLock})
                    RETURNING {JobColumns}",
                    c =>
                    {
                        Add(c, "@claimed", Name(JobStatus.Claimed)); Add(c, "@pending", Name(JobStatus.Pending));
                        Add(c, "@worker", worker); Add(c, "@token", token.ToString("D")); Add(c, "@until", until); Add(c, "@now", now);
                    }, ReadJob).SingleOrDefault();
                return job is null ? null : new Claim(job, worker, token, DateTimeOffset.FromUnixTimeMilliseconds(until));
            });
        }

        public bool Renew(Claim claim, TimeSpan lease)
        {
            ArgumentNullException.ThrowIfNull(claim);
            CheckLease(lease);
            // The token is what holds the job: a reclaim replaces it, so a late renewal of a lost lease finds no row.
            return Run(tx =>
            {
                long until = Now(tx) + (long)lease.TotalMilliseconds;
                return Execute(tx, "UPDATE jobs SET lease_until = @until WHERE id = @id AND claim_token = @token AND status = @claimed",
                    c => { Add(c, "@until", until); AddHolder(c, claim); });
            }) == 1;
        }

        public bool Complete(Claim claim, JobResult result)
        {
            ArgumentNullException.ThrowIfNull(claim);
            ArgumentNullException.ThrowIfNull(result);
            return Run(tx =>
            {
                long now = Now(tx);
                var status = result.Failure is null ? JobStatus.Done : JobStatus.Failed;
                if (Execute(tx, "UPDATE jobs SET status = @status, claim_token = NULL, lease_until = NULL WHERE id = @id AND claim_token = @token AND status = @claimed",
                        c => { Add(c, "@status", Name(status)); AddHolder(c, claim); }) != 1)
                    return false;
                long seq = Query(tx, "UPDATE result_sequence SET last = last + 1 RETURNING last", null, r => r.GetInt64(0)).Single();
                Execute(tx, @"INSERT INTO results (job_id, worker, score, failure, compile_seconds, train_seconds, details, finished_at, seq)
                    VALUES (@id, @worker, @score, @failure, @compile, @train, @details, @now, @seq)",
                    c =>
                    {
                        Add(c, "@id", claim.Job.Id); Add(c, "@seq", seq); Add(c, "@worker", claim.Worker); Add(c, "@score", result.Score);
                        Add(c, "@failure", result.Failure); Add(c, "@compile", result.CompileSeconds); Add(c, "@train", result.TrainSeconds);
                        Add(c, "@details", result.Details); Add(c, "@now", now);
                    });
                return true;
            });
        }

        public bool Release(Claim claim)
        {
            ArgumentNullException.ThrowIfNull(claim);
            return Run(tx => Execute(tx, "UPDATE jobs SET status = @pending, claim_token = NULL, lease_until = NULL WHERE id = @id AND claim_token = @token AND status = @claimed",
                c => { Add(c, "@pending", Name(JobStatus.Pending)); AddHolder(c, claim); })) == 1;
        }

        private const string ResultColumns = @"j.id, j.architecture_id, j.kind, j.task, j.hyperparameters, j.seed, j.status, j.attempts,
                    r.score, r.failure, r.compile_seconds, r.train_seconds, r.details, r.finished_at, r.seq
                    FROM results r JOIN jobs j ON j.id = r.job_id";

        public IReadOnlyList<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> Results()
            => Read(tx => Query(tx, $"SELECT {ResultColumns} ORDER BY r.finished_at, j.id", null, r => ReadResult(r).Result));

        public IReadOnlyList<(long Sequence, Job Job, JobResult Result, DateTimeOffset FinishedAt)> ResultsSince(long after)
            => Read(tx => Query(tx, $"SELECT {ResultColumns} WHERE r.seq > @after ORDER BY r.seq", c => Add(c, "@after", after),
                r => { var (seq, (job, result, at)) = ReadResult(r); return (seq, job, result, at); }));

        private static (long Sequence, (Job Job, JobResult Result, DateTimeOffset FinishedAt) Result) ReadResult(DbDataReader r)
            => (r.GetInt64(14), (ReadJob(r), new JobResult(r.IsDBNull(8) ? null : r.GetDouble(8), r.IsDBNull(9) ? null : r.GetString(9), r.GetDouble(10),
                r.GetDouble(11), r.GetString(12)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(13))));

        public IReadOnlyDictionary<JobStatus, long> Counts()
            => Read(tx =>
            {
                var counts = Enum.GetValues<JobStatus>().ToDictionary(s => s, _ => 0L);
                foreach (var (status, n) in Query(tx, "SELECT status, COUNT(*) FROM jobs GROUP BY status", null, r => (Parse<JobStatus>(r.GetString(0)), r.GetInt64(1))))
                    counts[status] = n;
                return counts;
            });

        public void ReportActivity(string worker, int processId, string activity, long? jobId)
        {
            ArgumentException.ThrowIfNullOrEmpty(worker);
            ArgumentException.ThrowIfNullOrEmpty(activity);
            Run(tx =>
            {
                long now = Now(tx);
                // `since` moves only when the activity changes, so the display can say for how long a job has run.
                return Execute(tx, @"INSERT INTO workers (name, process_id, activity, job_id, since, seen_at) VALUES (@n, @pid, @a, @job, @now, @now)
                    ON CONFLICT (name) DO UPDATE SET process_id = excluded.process_id, activity = excluded.activity, job_id = excluded.job_id, seen_at = excluded.seen_at,
                    since = CASE WHEN workers.activity = excluded.activity AND workers.process_id = excluded.process_id
                        AND COALESCE(workers.job_id, -1) = COALESCE(excluded.job_id, -1) THEN workers.since ELSE excluded.since END",
                    c => { Add(c, "@n", worker); Add(c, "@pid", (long)processId); Add(c, "@a", activity); Add(c, "@job", jobId); Add(c, "@now", now); });
            });
        }

        public IReadOnlyList<WorkerActivity> Activities()
            => Read(tx => Query(tx, "SELECT name, process_id, activity, job_id, since, seen_at FROM workers ORDER BY name", null,
                r => new WorkerActivity(r.GetString(0), checked((int)r.GetInt64(1)), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt64(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)))));

        private static Job ReadJob(DbDataReader r)
            => new(r.GetInt64(0), r.GetInt64(1), Parse<JobKind>(r.GetString(2)), r.GetString(3), r.GetString(4), r.GetInt64(5), Parse<JobStatus>(r.GetString(6)))
            { Attempts = checked((int)r.GetInt64(7)) };

        private static void AddHolder(DbCommand c, Claim claim)
        {
            Add(c, "@id", claim.Job.Id);
            Add(c, "@token", claim.Token.ToString("D"));
            Add(c, "@claimed", Name(JobStatus.Claimed));
        }

        private static void CheckLease(TimeSpan lease)
        {
            if (lease <= TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(lease), lease, "A lease must be positive: it is how long a worker may hold a job without renewing.");
        }

        // Enum values are stored by lower-case name, so the tables read without the code.
        private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
        private static T Parse<T>(string text) where T : struct, Enum => Enum.Parse<T>(text, ignoreCase: true);

        private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        private T Run<T>(Func<DbTransaction, T> body) => InTransaction(Begin, body);

        private T Read<T>(Func<DbTransaction, T> body) => InTransaction(BeginRead, body);

        private T InTransaction<T>(Func<DbConnection, DbTransaction> begin, Func<DbTransaction, T> body)
        {
            using var connection = Open();
            using var tx = begin(connection);
            var value = body(tx);
            tx.Commit();
            return value;
        }

        private protected static int Execute(DbTransaction tx, string sql, Action<DbCommand>? parameters)
        {
            using var command = Command(tx, sql, parameters);
            return command.ExecuteNonQuery();
        }

        private protected static List<T> Query<T>(DbTransaction tx, string sql, Action<DbCommand>? parameters, Func<DbDataReader, T> read)
        {
            using var command = Command(tx, sql, parameters);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
                rows.Add(read(reader));
            return rows;
        }

        private static DbCommand Command(DbTransaction tx, string sql, Action<DbCommand>? parameters)
        {
            var command = tx.Connection!.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            parameters?.Invoke(command);
            return command;
        }

        // Typed, so a null still tells PostgreSQL the column type it stands for.
        private protected static void Add(DbCommand c, string name, string? value) => Add(c, name, DbType.String, value);
        private protected static void Add(DbCommand c, string name, long? value) => Add(c, name, DbType.Int64, value);
        private protected static void Add(DbCommand c, string name, double? value) => Add(c, name, DbType.Double, value);

        private static void Add(DbCommand c, string name, DbType type, object? value)
        {
            var p = c.CreateParameter();
            p.ParameterName = name;
            p.DbType = type;
            p.Value = value ?? DBNull.Value;
            c.Parameters.Add(p);
        }

        public virtual void Dispose() => GC.SuppressFinalize(this);
    }
}
