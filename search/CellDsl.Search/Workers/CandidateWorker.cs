using System;
using System.Threading;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Search;
using CellDsl.Search.Store;

namespace CellDsl.Search.Workers
{
    /// <summary>
    /// What a worker process of a search evaluates (<c>celldsl search worker</c>): the job's architecture, compiled on
    /// first use and kept in a small <see cref="CandidateCache"/>, trained with the evaluation settings the search stored
    /// when it started. Each step of the way is reported to the store, so the search's display can say what every
    /// worker is doing.
    /// </summary>
    public sealed class CandidateWorker : IDisposable
    {
        /// <summary>Batches a worker keeps loaded: a step's jobs come a few architectures at a time.</summary>
        public const int CacheSize = 4;

        private readonly ISearchStore _store;
        private readonly CandidateEvaluator _evaluator;
        private readonly CandidateCache _cache = new(CacheSize);

        public CandidateWorker(ISearchStore store, string name)
        {
            _store = store ?? throw new ArgumentNullException(nameof(store));
            ArgumentException.ThrowIfNullOrEmpty(name);
            Name = name;
            var options = SearchLoop.StoredOptions(store)
                ?? throw new InvalidOperationException("The store holds no search: start one with `celldsl search run` before its workers.");
            _evaluator = new CandidateEvaluator(options.Evaluation);
        }

        public string Name { get; }

        /// <summary>Runs the worker loop on this store until <paramref name="stop"/> fires.</summary>
        public WorkerSummary Run(WorkerOptions options, CancellationToken stop)
        {
            Report("waiting for a job", null);
            try
            {
                return new Worker(_store, Name, Evaluate, options).Run(stop);
            }
            finally
            {
                _cache.Clear();
                Report("stopped", null);
            }
        }

        /// <summary>One job, as <see cref="Worker"/> calls it; its compile seconds are what this worker spent compiling
        /// for it (0 when the candidate was loaded already).</summary>
        public JobResult Evaluate(Job job, CancellationToken cancel)
        {
            ArgumentNullException.ThrowIfNull(job);
            try
            {
                var arch = _store.FindArchitecture(job.ArchitectureId)
                    ?? throw new InvalidOperationException($"Job {job.Id} names architecture {job.ArchitectureId}, which the store does not hold.");
                string label = CandidateCache.Label(arch);
                if (!_cache.Contains(arch.Id)) Report("compiling " + label, job.Id);
                var (candidate, compileSeconds) = _cache.Get(arch);
                Report($"training {label} on {job.Task}", job.Id);
                return _evaluator.Evaluate(candidate, job, cancel) with { CompileSeconds = compileSeconds };
            }
            finally
            {
                Report("waiting for a job", null);
            }
        }

        private void Report(string activity, long? job)
        {
            // The display is a convenience: a failed report must not cost the job.
            try { _store.ReportActivity(Name, Environment.ProcessId, activity, job); }
            catch (System.Data.Common.DbException) { }
        }

        public void Dispose() => _cache.Dispose();
    }
}
