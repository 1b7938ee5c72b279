using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Mutation;
using CellDsl.Search.Store;
using CellDsl.Training.Data.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Search;

/// <summary>
/// A worker's life over many candidates: each mutant compiled, loaded, trained for a few windows by the evaluator and
/// unloaded by the worker's <see cref="CandidateCache"/>; every load context must be collected and the managed heap
/// must not grow with the count. Runs alone (it reads process-wide memory).
/// </summary>
[Collection(nameof(CandidateCompilerCollection))]
public class CandidateMemoryTests(ITestOutputHelper output)
{
    /// <summary>Set to a count (e.g. 3000) to measure the working set at 100, 1000, 3000, ... candidates; the
    /// figures in docs/SEARCH.md come from it.</summary>
    public const string MeasureVariable = "CELLDSL_MEASURE_CANDIDATES";

    private static readonly TaskSizes Tiny = new(3_000, 400, 400);

    // A worker's evaluator at a tiny scale: a few windows of arith per candidate.
    private static readonly CandidateEvaluator Evaluator = new(new EvaluationSettings
    {
        Memorization = new TaskBudget("memorization", 4, 60, Tiny, 8, 10, 4, 4),
        Tasks = [new TaskBudget("arith", 4, 60, Tiny, 8, 10, 4, 4)],
    });

    private static readonly CellGraph[] Parents = [Baselines.Lstm, Baselines.Gru, Baselines.Of("mut1")];

    private sealed class Run
    {
        public readonly List<WeakReference> Contexts = new();
        public int Candidates, Trained;
        public readonly Dictionary<string, int> Failures = new();
    }

    /// <summary>Compiles, loads, trains and unloads candidates until <paramref name="until"/> says stop, as a worker does
    /// (a cache of four batches); calls <paramref name="checkpoint"/> after each.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Run Churn(Func<Run, bool> until, Action<Run> checkpoint)
    {
        var run = new Run();
        var job = new Job(1, 1, JobKind.Task, "arith", new Hyperparameters(1f, 0.5f, 5f, 1).ToJson(), 7, JobStatus.Claimed);
        using var cache = new CandidateCache(4);
        // Weakly: holding the assemblies would keep their contexts alive (and they all share one name).
        var seen = new ConditionalWeakTable<System.Reflection.Assembly, object>();
        for (long seed = 1; !until(run); seed++)
        {
            var graph = Mutator.Mutate(Parents[seed % Parents.Length], seed).Graph;
            var arch = new Architecture(seed, "", CanonicalKey.Of(graph), GraphText.Write(graph), null, null, seed, DateTimeOffset.UtcNow);
            var (candidate, _) = cache.Get(arch);
            foreach (var a in cache.LoadedAssemblies.Where(a => seen.TryAdd(a, run)))
                run.Contexts.Add(new WeakReference(AssemblyLoadContext.GetLoadContext(a)));
            var result = Evaluator.Evaluate(candidate, job);
            if (result.Score is not null) run.Trained++;
            else
            {
                // The reason's first words: "does not compile", "diverged", "ArgumentException", ...
                string why = string.Join(' ', result.Failure!.Split(' ').Take(3));
                run.Failures[why] = run.Failures.GetValueOrDefault(why) + 1;
            }
            run.Candidates++;
            checkpoint(run);
        }
        return run;
    }

    private static void Collect()
    {
        for (int i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [Fact]
    public void Load_contexts_of_trained_candidates_are_collected_and_the_heap_does_not_grow_with_their_count()
    {
        // As many as fit in about ten seconds after the first 10 (Roslyn's and the JIT's warm-up), at least 30.
        var clock = new Stopwatch();
        long heapAtHalf = 0, heapWarm = 0;
        int half = 0;
        var run = Churn(r => r.Candidates >= 30 && clock.Elapsed > TimeSpan.FromSeconds(10) || r.Candidates >= 400, r =>
        {
            if (r.Candidates == 10)
            {
                Collect();
                heapWarm = GC.GetTotalMemory(true);
                clock.Start();
            }
            else if (half == 0 && r.Candidates >= 20 && clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                Collect();
                heapAtHalf = GC.GetTotalMemory(true);
                half = r.Candidates;
            }
        });
        Collect();
        long heap = GC.GetTotalMemory(true);
        output.WriteLine($"{run.Candidates} candidates ({run.Trained} trained); GC heap {heapWarm >> 20} MiB after 10, {heapAtHalf >> 20} MiB after {half}, {heap >> 20} MiB at the end");
        Assert.True(run.Trained > run.Candidates / 2, $"only {run.Trained} of {run.Candidates} candidates trained");
        Assert.All(run.Contexts, w => Assert.False(w.IsAlive, "a candidate's load context was not collected after the cache unloaded it"));
        Assert.True(run.Contexts.Count >= run.Trained, $"{run.Contexts.Count} load contexts for {run.Trained} trained candidates");
        // A leaked candidate keeps its assembly, compilation and model: far more than this per few dozen of them.
        Assert.True(heap - heapAtHalf < 8L << 20, $"the GC heap grew by {(heap - heapAtHalf) >> 20} MiB from candidate {half} to {run.Candidates}");
        Assert.True(heap - heapWarm < 16L << 20, $"the GC heap grew by {(heap - heapWarm) >> 20} MiB from candidate 10 to {run.Candidates}");
    }

    /// <summary>Runs only when <see cref="MeasureVariable"/> is set: it takes minutes per thousand candidates.</summary>
    public sealed class MeasureFactAttribute : FactAttribute
    {
        public MeasureFactAttribute()
        {
            if (Environment.GetEnvironmentVariable(MeasureVariable) is not { Length: > 0 })
                Skip = $"{MeasureVariable} is not set; set it to a candidate count (e.g. 3000) to measure memory over that many.";
        }
    }

    [MeasureFact]
    public void Load_contexts_are_collected_and_the_working_set_is_measured_over_thousands_of_candidates()
    {
        int count = int.Parse(Environment.GetEnvironmentVariable(MeasureVariable)!, CultureInfo.InvariantCulture);
        var marks = new[] { 10, 100, 300, 1000, 2000, 3000, 5000, 10000 }.Where(m => m <= count).ToHashSet();
        var clock = Stopwatch.StartNew();
        var run = Churn(r => r.Candidates >= count, r =>
        {
            if (!marks.Contains(r.Candidates)) return;
            Collect();
            string line = $"{r.Candidates} candidates ({r.Trained} trained; failed: {string.Join(", ", r.Failures.Select(f => $"{f.Value} {f.Key}"))}): GC heap {GC.GetTotalMemory(true) / 1048576.0:F1} MiB, working set {Environment.WorkingSet / 1048576.0:F0} MiB, {clock.Elapsed.TotalSeconds:F0} s";
            output.WriteLine(line);
            Console.Error.WriteLine(line);
        });
        Collect();
        Assert.All(run.Contexts, w => Assert.False(w.IsAlive, "a candidate's load context was not collected after the cache unloaded it"));
    }
}
