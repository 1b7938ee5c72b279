using System;
using System.Collections.Generic;
using CellDsl.Search.Evaluation;

namespace CellDsl.Search.Store
{
    /// <summary>What one architecture's results add up to so far.</summary>
    public sealed class ArchitectureRuns
    {
        private readonly Dictionary<string, HashSet<string>> _tried = new(StringComparer.Ordinal);

        internal ArchitectureRuns(long id) => ArchitectureId = id;

        public long ArchitectureId { get; }

        /// <summary>The best score per task over its task runs that produced one (<see cref="Fitness.BestPerTask"/>).</summary>
        public Dictionary<string, double> BestByTask { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Task runs (the memorization filter's not counted) and how many of them failed.</summary>
        public int TaskRuns { get; private set; }
        public int TaskFailures { get; private set; }

        /// <summary>Seconds over all its runs, the filter's included.</summary>
        public double CompileSeconds { get; private set; }
        public double TrainSeconds { get; private set; }

        /// <summary>Whether it has a result for this task with these hyperparameters (JSON, as the job stores them).</summary>
        public bool Tried(string task, string hyperparameters) => _tried.TryGetValue(task, out var set) && set.Contains(hyperparameters);

        /// <summary>The hyperparameters (JSON) of its results on <paramref name="task"/>.</summary>
        public IEnumerable<string> TriedOn(string task) => _tried.TryGetValue(task, out var set) ? set : Array.Empty<string>();

        internal void Add(Job job, JobResult result)
        {
            CompileSeconds += result.CompileSeconds;
            TrainSeconds += result.TrainSeconds;
            if (!_tried.TryGetValue(job.Task, out var set)) _tried[job.Task] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(job.Hyperparameters);
            if (job.Kind != JobKind.Task) return;
            TaskRuns++;
            if (result.Failure is not null) TaskFailures++;
            Fitness.Improve(BestByTask, job.Task, result.Score);
        }
    }

    /// <summary>
    /// A store's results read incrementally: each <see cref="Refresh"/> asks only for those recorded since the last
    /// one it read (<see cref="ISearchStore.ResultsSince"/>) and adds them to per-architecture sums, so a search that
    /// polls its store while thousands of results pile up reads each result once instead of all of them every poll.
    /// Results are never changed once recorded, so what it has read stays true. Not thread-safe: one per reader.
    /// </summary>
    public sealed class ResultLog
    {
        private readonly ISearchStore _store;
        private readonly List<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> _all = new();
        private readonly List<long> _sequence = new();
        private readonly Dictionary<long, JobResult> _byJob = new();
        private readonly Dictionary<long, ArchitectureRuns> _byArchitecture = new();
        private readonly List<ArchitectureRuns> _inOrder = new();
        private readonly Dictionary<long, Architecture> _architectures = new();

        public ResultLog(ISearchStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

        /// <summary>A log of everything <paramref name="store"/> holds now.</summary>
        public static ResultLog Read(ISearchStore store)
        {
            var log = new ResultLog(store);
            log.Refresh();
            return log;
        }

        /// <summary>The number of the last result read; 0 before the first.</summary>
        public long Last { get; private set; }

        /// <summary>Every result read, in the order recorded.</summary>
        public IReadOnlyList<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> All => _all;

        /// <summary>Architectures with at least one result, in the order their first result was recorded.</summary>
        public IReadOnlyList<ArchitectureRuns> Architectures => _inOrder;

        /// <summary>Totals over every result read.</summary>
        public int Failures { get; private set; }
        public double CompileSeconds { get; private set; }
        public double TrainSeconds { get; private set; }

        /// <summary>A log of the first <paramref name="count"/> results this one has read, as it stood when it had read
        /// only those (it reads on from there when refreshed).</summary>
        public ResultLog Prefix(int count)
        {
            if (count < 0 || count > _all.Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"This log has read {_all.Count} results.");
            var prefix = new ResultLog(_store);
            for (int i = 0; i < count; i++) prefix.Add(_sequence[i], _all[i].Job, _all[i].Result, _all[i].FinishedAt);
            return prefix;
        }

        /// <summary>Reads the results recorded since the last call; returns how many.</summary>
        public int Refresh()
        {
            var fresh = _store.ResultsSince(Last);
            foreach (var (seq, job, result, at) in fresh)
                Add(seq, job, result, at);
            return fresh.Count;
        }

        private void Add(long seq, Job job, JobResult result, DateTimeOffset at)
        {
            Last = seq;
            _sequence.Add(seq);
            _all.Add((job, result, at));
            _byJob[job.Id] = result;
            if (result.Failure is not null) Failures++;
            CompileSeconds += result.CompileSeconds;
            TrainSeconds += result.TrainSeconds;
            if (!_byArchitecture.TryGetValue(job.ArchitectureId, out var runs))
            {
                _byArchitecture[job.ArchitectureId] = runs = new ArchitectureRuns(job.ArchitectureId);
                _inOrder.Add(runs);
            }
            runs.Add(job, result);
        }

        /// <summary>The result of a job, if one was read.</summary>
        public bool TryGet(long jobId, out JobResult result) => _byJob.TryGetValue(jobId, out result!);

        public bool Has(long jobId) => _byJob.ContainsKey(jobId);

        /// <summary>The sums of an architecture's results read so far; null when none was.</summary>
        public ArchitectureRuns? Of(long architectureId) => _byArchitecture.GetValueOrDefault(architectureId);

        /// <summary>The stored architecture, read once (architectures are never changed once stored).</summary>
        public Architecture? Architecture(long id)
        {
            if (_architectures.TryGetValue(id, out var a)) return a;
            if (_store.FindArchitecture(id) is not { } found) return null;
            _architectures[id] = found;
            return found;
        }
    }
}
