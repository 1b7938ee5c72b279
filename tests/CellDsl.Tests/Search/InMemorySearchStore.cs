using CellDsl.Search.Store;

namespace CellDsl.Tests.Search;

/// <summary>The store contract in memory, for testing the search loop apart from the SQL stores.</summary>
internal sealed class InMemorySearchStore : ISearchStore
{
    private readonly Dictionary<string, string> _settings = new();
    private readonly List<Architecture> _architectures = new();
    private readonly List<Job> _jobs = new();
    private readonly Dictionary<long, (string Worker, Guid Token, DateTimeOffset Until)> _claims = new();
    private readonly List<(Job, JobResult, DateTimeOffset)> _results = new();

    public int SchemaVersion => SqlSearchStore.CurrentSchemaVersion;

    public string? GetSetting(string name) => _settings.GetValueOrDefault(name);

    public void SetSetting(string name, string value) => _settings[name] = value;

    public (Architecture Architecture, bool Added) AddArchitecture(Architecture architecture)
    {
        if (FindByKey(architecture.CanonicalKey) is { } existing) return (existing, false);
        var added = architecture with { Id = _architectures.Count + 1 };
        _architectures.Add(added);
        return (added, true);
    }

    public Architecture? FindArchitecture(long id) => _architectures.FirstOrDefault(a => a.Id == id);

    public Architecture? FindByKey(string canonicalKey) => _architectures.FirstOrDefault(a => a.CanonicalKey == canonicalKey);

    public IReadOnlyList<Job> AddJobs(IEnumerable<Job> jobs)
    {
        var queued = new List<Job>();
        foreach (var j in jobs)
        {
            var same = _jobs.FirstOrDefault(q => q.ArchitectureId == j.ArchitectureId && q.Task == j.Task && q.Hyperparameters == j.Hyperparameters);
            if (same is not null) { queued.Add(same); continue; }
            var job = j with { Id = _jobs.Count + 1, Status = JobStatus.Pending };
            _jobs.Add(job);
            queued.Add(job);
        }
        return queued;
    }

    public Claim? ClaimNext(string worker, TimeSpan lease)
    {
        var now = DateTimeOffset.UtcNow;
        for (int i = 0; i < _jobs.Count; i++)
        {
            var j = _jobs[i];
            bool open = j.Status == JobStatus.Pending || (j.Status == JobStatus.Claimed && _claims[j.Id].Until < now);
            if (!open) continue;
            var claim = new Claim(j with { Status = JobStatus.Claimed }, worker, Guid.NewGuid(), now + lease);
            _jobs[i] = claim.Job;
            _claims[j.Id] = (worker, claim.Token, claim.LeaseUntil);
            return claim;
        }
        return null;
    }

    public bool Renew(Claim claim, TimeSpan lease)
    {
        if (!_claims.TryGetValue(claim.Job.Id, out var c) || c.Token != claim.Token) return false;
        _claims[claim.Job.Id] = c with { Until = DateTimeOffset.UtcNow + lease };
        return true;
    }

    public bool Release(Claim claim)
    {
        int i = _jobs.FindIndex(j => j.Id == claim.Job.Id);
        if (i < 0 || _jobs[i].Status != JobStatus.Claimed || _claims[claim.Job.Id].Token != claim.Token) return false;
        _jobs[i] = _jobs[i] with { Status = JobStatus.Pending };
        _claims.Remove(claim.Job.Id);
        return true;
    }

    public bool Complete(Claim claim, JobResult result)
    {
        int i = _jobs.FindIndex(j => j.Id == claim.Job.Id);
        if (i < 0 || _jobs[i].Status != JobStatus.Claimed || _claims[claim.Job.Id].Token != claim.Token) return false;
        _jobs[i] = _jobs[i] with { Status = result.Failure is null ? JobStatus.Done : JobStatus.Failed };
        _results.Add((_jobs[i], result, DateTimeOffset.UtcNow));
        return true;
    }

    public IReadOnlyList<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> Results() => _results.ToList();

    // Numbered from 1 in the order recorded, as the SQL stores number them.
    public IReadOnlyList<(long Sequence, Job Job, JobResult Result, DateTimeOffset FinishedAt)> ResultsSince(long after)
        => _results.Select((r, i) => ((long)i + 1, r.Item1, r.Item2, r.Item3)).Skip((int)Math.Max(0, after)).ToList();

    public IReadOnlyDictionary<JobStatus, long> Counts()
        => Enum.GetValues<JobStatus>().ToDictionary(s => s, s => (long)_jobs.Count(j => j.Status == s));

    private readonly Dictionary<string, WorkerActivity> _activities = new();

    public void ReportActivity(string worker, int processId, string activity, long? jobId)
    {
        var now = DateTimeOffset.UtcNow;
        bool same = _activities.TryGetValue(worker, out var last) && last.ProcessId == processId && last.Activity == activity && last.JobId == jobId;
        _activities[worker] = new WorkerActivity(worker, processId, activity, jobId, same ? last!.Since : now, now);
    }

    public IReadOnlyList<WorkerActivity> Activities() => _activities.Values.OrderBy(a => a.Worker, StringComparer.Ordinal).ToList();

    public IReadOnlyList<Architecture> Architectures => _architectures;

    public void Dispose() { }
}
