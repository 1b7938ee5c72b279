using System.Diagnostics;
using System.Runtime.CompilerServices;
using CellDsl.Compiler;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Mutation;
using CellDsl.Zoo;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Search;

/// <summary>Runs alone (after the parallel tests): the memory test reads the process's GC heap and working set, which
/// tests running beside it would move.</summary>
[CollectionDefinition(nameof(CandidateCompilerCollection), DisableParallelization = true)]
public class CandidateCompilerCollection;

/// <summary>Candidates compiled many per Roslyn compilation, loaded, run and unloaded without the process growing.</summary>
[Collection(nameof(CandidateCompilerCollection))]
public class CandidateCompilerTests(ITestOutputHelper output)
{
    private static List<(string, CellGraph)> Mutants(CellGraph parent, int count, long firstSeed = 0)
        => Enumerable.Range(0, count).Select(i => ($"m{firstSeed + i}", Mutator.Mutate(parent, firstSeed + i).Graph)).ToList();

    [Fact]
    public void A_compiled_baseline_computes_what_the_generator_compiled_cell_computes()
    {
        using var batch = CandidateCompiler.Compile([("lstm", Baselines.Lstm), ("gru", Baselines.Gru)]);
        foreach (var (c, zoo) in batch.Candidates.Zip(new[] { "lstm", "gru" }))
        {
            var candidate = c.Create(5, 6, seed: 3);
            var reference = CellZoo.Get(zoo).Create(5, 6, 3);
            Assert.Equal(reference.Parameters.ToArray(), candidate.Parameters.ToArray());
            var x = new float[4 * 2 * 5];
            new CellRandom(2).FillUniform(x, -1f, 1f);
            var a = candidate.CreateWorkspace(4, 2);
            var b = reference.CreateWorkspace(4, 2);
            candidate.Forward(a, x);
            reference.Forward(b, x);
            Assert.Equal(b.Output.ToArray(), a.Output.ToArray());
        }
        Assert.Equal(1, batch.Assemblies);
    }

    [Fact]
    public void An_invalid_graph_fails_alone_and_the_rest_of_its_batch_compiles()
    {
        var gru = Baselines.Gru;
        var broken = gru with { Next = new[] { gru.Nodes.Count + 5 }.ToEquatableArray() };
        using var batch = CandidateCompiler.Compile([("a", Baselines.Lstm), ("broken", broken), ("b", gru)]);
        Assert.True(batch.Candidates[0].Compiled);
        Assert.True(batch.Candidates[2].Compiled);
        Assert.False(batch.Candidates[1].Compiled);
        Assert.StartsWith("invalid graph: ", batch.Candidates[1].Failure);
        Assert.Contains("broken", Assert.Throws<InvalidOperationException>(() => batch.Candidates[1].Create(2, 2, 1)).Message);
        Assert.Equal(2, batch.Candidates[2].Create(2, 2, 1).HiddenSize);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> CompileRunAndUnload(List<(string, CellGraph)> candidates)
    {
        using var batch = CandidateCompiler.Compile(candidates);
        foreach (var c in batch.Candidates)
        {
            Assert.True(c.Compiled, c.Failure);
            var cell = c.Create(4, 4, seed: 1);
            var ws = cell.CreateWorkspace(3, 2);
            cell.Forward(ws, new float[3 * 2 * 4]);
            cell.Backward(ws, new float[3 * 2 * 4]);
        }
        return batch.LoadedAssemblies.Select(a => new WeakReference(a)).ToList();
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
    public void Memory_stays_flat_over_batches_of_compiled_loaded_and_unloaded_candidates()
    {
        // 50 candidates: each compiles in about 0.3 s here, so this is what a test can afford; every assembly must be
        // collected, which is what keeps thousands flat.
        const int Batches = 5, PerBatch = 10;
        var parents = new[] { Baselines.Lstm, Baselines.Gru, Baselines.Of("mut1") };
        var all = Enumerable.Range(0, Batches).Select(b => Mutants(parents[b % parents.Length], PerBatch, firstSeed: 1000 + b * PerBatch)).ToList();
        var weak = CompileRunAndUnload(all[0]);   // the first batch warms Roslyn and the JIT
        Collect();
        long heap0 = GC.GetTotalMemory(true), ws0 = Environment.WorkingSet;
        var clock = Stopwatch.StartNew();
        for (int b = 1; b < Batches; b++) weak.AddRange(CompileRunAndUnload(all[b]));
        Collect();
        long heap = GC.GetTotalMemory(true), ws = Environment.WorkingSet;
        output.WriteLine($"{(Batches - 1) * PerBatch} candidates in {clock.Elapsed.TotalSeconds:F1} s; GC heap {heap0 >> 20} -> {heap >> 20} MiB, working set {ws0 >> 20} -> {ws >> 20} MiB");
        Assert.All(weak, w => Assert.False(w.IsAlive, "a candidate assembly was not collected after its batch was disposed"));
        // A leaked batch keeps its assembly, its Roslyn compilation and syntax trees: several MiB each.
        Assert.True(heap - heap0 < 16L << 20, $"the GC heap grew by {(heap - heap0) >> 20} MiB over {Batches - 1} batches");
        Assert.True(ws - ws0 < 128L << 20, $"the working set grew by {(ws - ws0) >> 20} MiB over {Batches - 1} batches");
    }
}
