using System;
using System.Data.Common;
using System.Threading;
using CellDsl.Search.Store;

namespace CellDsl.Search.Workers
{
    /// <summary>Runs one job: trains and scores the candidate, or returns a result with its failure. It should watch
    /// <paramref name="cancel"/>, which fires on Ctrl-C and when the job's lease was lost to another worker.</summary>
    public delegate JobResult Evaluate(Job job, CancellationToken cancel);

    public sealed record WorkerOptions
    {
        /// <summary>How long a claim holds without renewal: how soon another worker takes over a killed one's job.</summary>
        public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

        /// <summary>How often the lease is renewed while the job runs; a third of the lease when unset, so two renewals
        /// may fail (a busy database) before the lease runs out.</summary>
        public TimeSpan? RenewEvery { get; init; }

        /// <summary>How long to wait before asking again when no job is claimable.</summary>
        public TimeSpan IdlePoll { get; init; } = TimeSpan.FromSeconds(1);

        /// <summary>Return once no job is pending or claimed (else wait for new jobs until stopped). Jobs other workers
        /// hold are waited for: if one of them dies, its job comes back when the lease expires.</summary>
        public bool ExitWhenDrained { get; init; }

        /// <summary>Where a line per claim, completion, loss and release goes; nowhere when null.</summary>
        public Action<string>? Log { get; init; }
    }

    /// <summary>What a worker did before it returned.</summary>
    /// <param name="Completed">Jobs it evaluated and recorded.</param>
    /// <param name="Lost">Jobs whose lease it lost (expired and reclaimed): their result, if any, was discarded.</param>
    /// <param name="Released">Jobs it gave back unfinished because it was stopped.</param>
    public sealed record WorkerSummary(int Completed, int Lost, int Released);

    /// <summary>
    /// The worker loop: claim the oldest job, evaluate it while a timer renews the lease, record the result, repeat.
    /// Stopped (Ctrl-C), it cancels the running evaluation and releases the job, so the job is evaluated once by
    /// whichever worker claims it next; killed, it leaves the lease to expire, with the same effect.
    /// </summary>
    public sealed class Worker
    {
        private readonly ISearchStore _store;
        private readonly Evaluate _evaluate;
        private readonly WorkerOptions _options;
        private readonly TimeSpan _renewEvery;

        public Worker(ISearchStore store, string name, Evaluate evaluate, WorkerOptions? options = null)
        {
            _store = store ?? throw new ArgumentNullException(nameof(store));
            ArgumentException.ThrowIfNullOrEmpty(name);
            Name = name;
            _evaluate = evaluate ?? throw new ArgumentNullException(nameof(evaluate));
            _options = options ?? new WorkerOptions();
            if (_options.Lease <= TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(options), _options.Lease, "WorkerOptions.Lease must be positive.");
            _renewEvery = _options.RenewEvery ?? _options.Lease / 3;
            if (_renewEvery <= TimeSpan.Zero || _renewEvery >= _options.Lease)
                throw new ArgumentOutOfRangeException(nameof(options), _renewEvery, $"WorkerOptions.RenewEvery must be positive and shorter than the lease ({_options.Lease}).");
        }

        /// <summary>The name claims are recorded under.</summary>
        public string Name { get; }

        /// <summary>Works until <paramref name="stop"/> fires (or, with <see cref="WorkerOptions.ExitWhenDrained"/>, the
        /// queue is empty).</summary>
        public WorkerSummary Run(CancellationToken stop)
        {
            int completed = 0, lost = 0, released = 0;
            while (!stop.IsCancellationRequested)
            {
                var claim = Retry(() => _store.ClaimNext(Name, _options.Lease), "claiming a job", stop);
                if (claim is null)
                {
                    if (_options.ExitWhenDrained && Drained())
                        break;
                    stop.WaitHandle.WaitOne(_options.IdlePoll);
                    continue;
                }
                _options.Log?.Invoke($"{Name}: claimed job {claim.Job.Id} ({claim.Job.Task}, attempt {claim.Job.Attempts})");
                var (result, leaseLost) = EvaluateUnderLease(claim, stop);
                if (result is not null && !leaseLost && Retry(() => _store.Complete(claim, result), $"recording job {claim.Job.Id}", CancellationToken.None))
                {
                    completed++;
                    _options.Log?.Invoke($"{Name}: completed job {claim.Job.Id}" + (result.Failure is null ? $" (score {result.Score})" : $" (failed: {result.Failure})"));
                }
                else if (leaseLost || result is not null)
                {
                    // Either the renewal saw the loss, or the lease expired and was taken between the last renewal and now.
                    lost++;
                    _options.Log?.Invoke($"{Name}: lost the lease of job {claim.Job.Id}; another worker evaluates it");
                }
                else
                {
                    if (Retry(() => _store.Release(claim), $"releasing job {claim.Job.Id}", CancellationToken.None))
                        released++;
                    else
                        lost++;
                    _options.Log?.Invoke($"{Name}: stopped; job {claim.Job.Id} goes back to the queue");
                }
            }
            return new WorkerSummary(completed, lost, released);
        }

        /// <summary>Runs a store call, retrying a database error (a dropped connection, a server restarting) a few
        /// times with growing pauses before giving up: one hiccup should not kill a worker mid-search.</summary>
        private T Retry<T>(Func<T> call, string what, CancellationToken stop)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return call();
                }
                catch (DbException e) when (attempt < RetryDelays.Length + 1)
                {
                    var pause = RetryDelays[attempt - 1];
                    _options.Log?.Invoke($"{Name}: {what} failed ({e.Message}); retrying in {pause.TotalSeconds:0.#} s");
                    stop.WaitHandle.WaitOne(pause);
                }
            }
        }

        private static readonly TimeSpan[] RetryDelays = { TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4) };

        private bool Drained()
        {
            var counts = Retry(_store.Counts, "counting jobs", CancellationToken.None);
            return counts[JobStatus.Pending] == 0 && counts[JobStatus.Claimed] == 0;
        }

        /// <summary>The evaluation's result (null when it was cancelled) and whether the lease was lost meanwhile.</summary>
        private (JobResult? Result, bool LeaseLost) EvaluateUnderLease(Claim claim, CancellationToken stop)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            using var finished = new ManualResetEventSlim(false);
            int leaseLost = 0;
            // A thread of its own rather than a pool timer: an evaluation that keeps the pool busy (parallel GEMMs)
            // must not delay renewals past the lease.
            var renewer = new Thread(() =>
            {
                while (!finished.Wait(_renewEvery))
                {
                    try
                    {
                        if (!_store.Renew(claim, _options.Lease))
                        {
                            Interlocked.Exchange(ref leaseLost, 1);
                            cancel.Cancel();
                            return;
                        }
                    }
                    catch (DbException e)
                    {
                        // A database hiccup: the lease outlasts two more attempts, and Complete checks the claim anyway.
                        _options.Log?.Invoke($"{Name}: renewing the lease of job {claim.Job.Id} failed ({e.Message}); retrying");
                    }
                }
            }) { IsBackground = true, Name = $"{Name} lease renewal" };
            renewer.Start();

            JobResult? result;
            try
            {
                result = _evaluate(claim.Job, cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                result = null;
            }
            catch (Exception e)
            {
                // The search never stops on a candidate: an evaluator that throws records the job as failed.
                result = new JobResult(null, $"the evaluator threw {e.GetType().Name}: {e.Message}", 0, 0, "{}");
            }
            finally
            {
                // Wait out a renewal in flight, so none lands after the job is completed or released.
                finished.Set();
                renewer.Join();
            }
            return (result, Volatile.Read(ref leaseLost) == 1);
        }
    }
}
