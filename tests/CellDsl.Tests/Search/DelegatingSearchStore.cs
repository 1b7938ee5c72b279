using CellDsl.Search.Store;

namespace CellDsl.Tests.Search;

/// <summary>Passes every call to another store, so a test's faulty store overrides only the calls it breaks. Disposing
/// it leaves the inner store open: the test owns that.</summary>
internal abstract class DelegatingSearchStore(ISearchStore inner) : ISearchStore
{
    public int SchemaVersion => inner.SchemaVersion;
    public string? GetSetting(string name) => inner.GetSetting(name);
    public void SetSetting(string name, string value) => inner.SetSetting(name, value);
    public (Architecture Architecture, bool Added) AddArchitecture(Architecture architecture) => inner.AddArchitecture(architecture);
    public Architecture? FindArchitecture(long id) => inner.FindArchitecture(id);
    public Architecture? FindByKey(string canonicalKey) => inner.FindByKey(canonicalKey);
    public IReadOnlyList<Job> AddJobs(IEnumerable<Job> jobs) => inner.AddJobs(jobs);
    public virtual Claim? ClaimNext(string worker, TimeSpan lease) => inner.ClaimNext(worker, lease);
    public virtual bool Renew(Claim claim, TimeSpan lease) => inner.Renew(claim, lease);
    public virtual bool Complete(Claim claim, JobResult result) => inner.Complete(claim, result);
    public bool Release(Claim claim) => inner.Release(claim);
    public virtual IReadOnlyList<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> Results() => inner.Results();
    public virtual IReadOnlyList<(long Sequence, Job Job, JobResult Result, DateTimeOffset FinishedAt)> ResultsSince(long after) => inner.ResultsSince(after);
    public IReadOnlyDictionary<JobStatus, long> Counts() => inner.Counts();
    public void ReportActivity(string worker, int processId, string activity, long? jobId) => inner.ReportActivity(worker, processId, activity, jobId);
    public IReadOnlyList<WorkerActivity> Activities() => inner.Activities();
    public void Dispose() { }
}
