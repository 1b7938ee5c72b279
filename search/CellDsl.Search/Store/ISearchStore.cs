using System;
using System.Collections.Generic;

namespace CellDsl.Search.Store
{
    /// <summary>An architecture the search has seen: a cell graph in CellDsl's text form, deduplicated by its
    /// canonical key (<c>CellDsl.Compiler.Graph.CanonicalKey</c>).</summary>
    /// <param name="Id">Store-assigned; 0 before it is added.</param>
    /// <param name="Name">A readable label (LSTM, GRU, or m-&lt;id&gt; for mutants).</param>
    /// <param name="CanonicalKey">Equal for graphs that compute the same thing; unique in the store.</param>
    /// <param name="GraphText">The graph (<c>GraphText.Write</c>), enough to emit, compile and print it again.</param>
    /// <param name="ParentId">The architecture it was mutated from; null for the seeds.</param>
    /// <param name="Mutation">What the mutation did, in words; null for the seeds.</param>
    /// <param name="Seed">The seed of the random choices that made it, so it can be made again.</param>
    /// <param name="CreatedAt">When it was added.</param>
    public sealed record Architecture(long Id, string Name, string CanonicalKey, string GraphText, long? ParentId,
        string? Mutation, long Seed, DateTimeOffset CreatedAt);

    /// <summary>What an evaluation job does: the memorization filter, or one task's training run with one
    /// hyperparameter setting.</summary>
    public enum JobKind { Filter, Task }

    public enum JobStatus { Pending, Claimed, Done, Failed }

    /// <summary>One evaluation to run: an architecture on one task with one hyperparameter setting (JSON), seeded.</summary>
    public sealed record Job(long Id, long ArchitectureId, JobKind Kind, string Task, string Hyperparameters, long Seed,
        JobStatus Status)
    {
        /// <summary>How many times a worker claimed it; more than one means an earlier lease expired or was released.
        /// Set by the store; ignored by <see cref="ISearchStore.AddJobs"/>.</summary>
        public int Attempts { get; init; }
    }

    /// <summary>A job a worker holds until <see cref="LeaseUntil"/>; it must renew the lease while it trains.
    /// An expired lease returns the job to the queue for another worker.</summary>
    public sealed record Claim(Job Job, string Worker, Guid Token, DateTimeOffset LeaseUntil);

    /// <summary>How an evaluation ended. A failed candidate (does not compile, diverges, overruns its budget) is a
    /// result with <see cref="Failure"/> set, not an error of the search.</summary>
    /// <param name="Score">The task's figure (next-step accuracy for the paper's tasks); null when it failed.</param>
    /// <param name="Failure">null when it ran; else why not (compile error, NaN at step n, budget, ...).</param>
    /// <param name="CompileSeconds">Emit and Roslyn compile time of the candidate, its share when several compile together.</param>
    /// <param name="TrainSeconds">Training and evaluation time.</param>
    /// <param name="Details">JSON: per-epoch metrics, tokens/s, parameter count, whatever the evaluator reports.</param>
    public sealed record JobResult(double? Score, string? Failure, double CompileSeconds, double TrainSeconds, string Details);

    /// <summary>What a worker last said it was doing: compiling, training a job, waiting, stopped.</summary>
    /// <param name="Worker">The worker's name, as its claims record it.</param>
    /// <param name="ProcessId">Its process on its machine.</param>
    /// <param name="Activity">In words: "training m-12 on arith".</param>
    /// <param name="JobId">The job it works on, if any.</param>
    /// <param name="Since">When it started doing that.</param>
    /// <param name="SeenAt">When it last said so.</param>
    public sealed record WorkerActivity(string Worker, int ProcessId, string Activity, long? JobId, DateTimeOffset Since,
        DateTimeOffset SeenAt);

    /// <summary>
    /// The search's shared state. Every method is one transaction. A job is evaluated exactly once: claiming takes
    /// it under a lease (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: a write transaction), <see cref="Complete"/>
    /// succeeds only for the holder of a live or not-yet-reclaimed lease, and a killed worker's expired lease makes
    /// the job claimable again.
    /// </summary>
    public interface ISearchStore : IDisposable
    {
        /// <summary>The schema version this store reads and writes (docs/SEARCH.md documents each).</summary>
        int SchemaVersion { get; }

        /// <summary>The search's settings (JSON) and seed, written once when the search starts, read on resume.</summary>
        string? GetSetting(string name);
        void SetSetting(string name, string value);

        /// <summary>Adds the architecture unless one with the same canonical key exists; returns the stored one and
        /// whether it was new.</summary>
        (Architecture Architecture, bool Added) AddArchitecture(Architecture architecture);

        Architecture? FindArchitecture(long id);
        Architecture? FindByKey(string canonicalKey);

        /// <summary>Queues jobs (a new candidate's filter, or a listed architecture's fresh settings); a job equal to one
        /// already queued (same architecture, task and hyperparameters) is not queued twice. Returns the stored job for
        /// each one given, in order: the new one, or the one queued before.</summary>
        IReadOnlyList<Job> AddJobs(IEnumerable<Job> jobs);

        /// <summary>The oldest pending job (or one whose lease expired), claimed for <paramref name="worker"/>; null if none.</summary>
        Claim? ClaimNext(string worker, TimeSpan lease);

        /// <summary>Extends a live lease; false if the lease was lost (expired and reclaimed), in which case the worker
        /// must drop the job.</summary>
        bool Renew(Claim claim, TimeSpan lease);

        /// <summary>Records the result and marks the job done (or failed) if the claim still holds; false otherwise
        /// (the result is then discarded: another worker owns the job).</summary>
        bool Complete(Claim claim, JobResult result);

        /// <summary>Returns a held job to the queue without a result (a worker stopping on Ctrl-C), so the next claim
        /// takes it at once rather than after the lease; false if the claim no longer holds.</summary>
        bool Release(Claim claim);

        /// <summary>Every finished job's result with its job, oldest first (for reports and the leaderboard).</summary>
        IReadOnlyList<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> Results();

        /// <summary>The results recorded after the one numbered <paramref name="after"/> (0: from the first), in the order
        /// they were recorded, each with its number, so a reader that passes the last number it saw reads only what is
        /// new (<see cref="ResultLog"/>). Numbers are given in commit order: none commits after a higher one is readable.</summary>
        IReadOnlyList<(long Sequence, Job Job, JobResult Result, DateTimeOffset FinishedAt)> ResultsSince(long after);

        /// <summary>Counts of jobs per status.</summary>
        IReadOnlyDictionary<JobStatus, long> Counts();

        /// <summary>Records what a worker is doing now (one row per worker name, replaced each time).</summary>
        void ReportActivity(string worker, int processId, string activity, long? jobId);

        /// <summary>What every worker that ever reported last said, by name.</summary>
        IReadOnlyList<WorkerActivity> Activities();
    }
}
