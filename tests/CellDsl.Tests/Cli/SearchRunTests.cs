using CellDsl.Cli.Commands;
using CellDsl.Compiler.Graph;
using CellDsl.Generator.Parsing;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Store;
using CellDsl.Tests.Generator.Support;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>One search of a few seconds on the embedded tasks, run through the command line once for the class.</summary>
public sealed class SearchedStore : IDisposable
{
    // Tiny budgets: every candidate is trained for a few windows, so the search finishes in seconds.
    public static readonly string[] Budget = ["--steps", "1", "--windows", "8", "--filter-windows", "60", "--settings", "1", "--seed", "5"];

    public SearchedStore()
    {
        Run = CliRun.Of(["search", "run", "--store", File, .. Budget]);
    }

    public string Dir { get; } = Directory.CreateTempSubdirectory("celldsl-search-run-").FullName;
    public string File => Path.Combine(Dir, "search.db");
    internal CliRun Run { get; }

    /// <summary>A copy of the searched store, for a test that writes to it.</summary>
    public string Copy(string name)
    {
        string copy = Path.Combine(Dir, name);
        System.IO.File.Copy(File, copy);
        return copy;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>Run alone: the search compiles and trains candidates, which would show in the process-wide memory that
/// <c>CandidateCompilerTests</c> measures beside it.</summary>
[CollectionDefinition(nameof(SearchRunCollection), DisableParallelization = true)]
public class SearchRunCollection;

/// <summary>`celldsl search run` and `search export` end to end: the store a search writes, the leaderboard of it, the
/// exported cells compiled by the generator, resuming, and bad arguments.</summary>
[Collection(nameof(SearchRunCollection))]
public sealed class SearchRunTests(SearchedStore searched) : IClassFixture<SearchedStore>
{
    [Fact]
    public void A_short_search_exits_zero_and_leaves_the_baselines_scored_in_the_store_for_the_leaderboard()
    {
        Assert.True(searched.Run.ExitCode == 0, searched.Run.Error + searched.Run.Output);
        Assert.Contains("step 1/1:", searched.Run.Output);
        using (var store = new SqliteSearchStore(searched.File))
        {
            var tasks = store.Results().Where(r => r.Job.Kind == JobKind.Task).ToList();
            Assert.Equal(["arith", "xml"], tasks.Select(r => r.Job.Task).Distinct().Order());
            Assert.Contains(tasks, r => r.Result.Score is > 0);
        }
        var board = CliRun.Of("search", "leaderboard", "--store", searched.File);
        Assert.Equal(0, board.ExitCode);
        Assert.Matches(@"GRU\s+1\.000", board.Output);
        Assert.Contains("LSTM", board.Output);
    }

    /// <summary>Exports the searched store's top 10 to a fresh folder; returns the sources and the generator's run on them.</summary>
    private (string Dir, string[] Files, CliRun Run, GeneratorRun Generated) Export()
    {
        string dir = Path.Combine(searched.Dir, "export-" + Guid.NewGuid().ToString("N"));
        var run = CliRun.Of("search", "export", "--store", searched.File, "--top", "10", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Error);
        var files = Directory.GetFiles(dir, "*.cs").Order().ToArray();
        return (dir, files, run, GeneratorHarness.Run(files.Select(f => new SourceFile(Path.GetFileName(f), File.ReadAllText(f))).ToArray()));
    }

    [Fact]
    public void Exported_cells_compile_with_the_generator_and_parse_to_the_stored_canonical_keys()
    {
        var (dir, files, run, generated) = Export();
        Assert.Contains(Path.Combine(dir, "GRU.cs"), files);
        Assert.Equal(files, run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        Assert.Empty(generated.Diagnostics);
        Assert.Equal(files.Length, generated.Sources.Count);
        GeneratorHarness.AssertCompiles(generated);

        using var store = new SqliteSearchStore(searched.File);
        foreach (var file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            var parsed = CellParser.ParseSource(File.ReadAllText(file), file)!;
            Assert.Empty(parsed.Diagnostics);
            var stored = store.Results().Select(r => store.FindArchitecture(r.Job.ArchitectureId)!).First(a => SearchExportCommand.ClassName(a) == name);
            Assert.Equal(stored.CanonicalKey, CanonicalKey.Of(parsed.Model!.Graph));
        }
    }

    [Fact]
    public void An_exported_cell_compiled_by_the_generator_and_trained_with_its_recorded_seed_and_settings_scores_what_the_search_recorded()
    {
        var (_, files, _, generated) = Export();
        using var loaded = GeneratorHarness.CompileAndLoad(generated);
        int reproduced = 0;
        foreach (var file in files)
        {
            var exported = SearchExportCommand.ReadExported(Path.ChangeExtension(file, ".json"));
            Assert.NotNull(exported.Evaluation);
            Assert.NotEmpty(exported.Best);
            Assert.True(exported.TrainSeconds > 0 && exported.CompileSeconds >= 0, $"{exported.Name}: {exported.CompileSeconds} s compiling, {exported.TrainSeconds} s training");
            // The cell as the generator compiled it from the exported source, not the search's own compile of the graph.
            var graph = CellParser.ParseSource(File.ReadAllText(file), file)!.Model!.Graph;
            string type = SearchExportCommand.Namespace + "." + exported.Name;
            var candidate = new CompiledCandidate(exported.Name, graph, 0, null, (i, h, seed) => loaded.Create(type, i, h, seed));
            var evaluator = new CandidateEvaluator(exported.Evaluation!);
            foreach (var best in exported.Best)
            {
                var again = evaluator.Evaluate(candidate, best.Task, best.Hyperparameters, best.Seed);
                Assert.True(again.Failure is null, again.Failure);
                Assert.Equal(best.Score, again.Score!.Value);   // exactly: same code path, seed, settings and data
                reproduced++;
            }
        }
        Assert.True(reproduced >= 4, $"{reproduced} runs reproduced");   // the GRU and the LSTM on arith and xml at least
    }

    [Fact]
    public void Resume_continues_a_stopped_search_only_with_the_options_it_was_started_with()
    {
        string file = searched.Copy("resumed-" + Guid.NewGuid().ToString("N") + ".db");
        int Results() { using var s = new SqliteSearchStore(file); return s.Results().Count; }
        int before = Results();

        var again = CliRun.Of(["search", "run", "--store", file, .. SearchedStore.Budget]);
        Assert.Equal(ExitCodes.Usage, again.ExitCode);
        Assert.Contains("--resume", again.Error);

        var otherSeed = CliRun.Of(["search", "run", "--store", file, .. SearchedStore.Budget[..^2], "--seed", "6", "--resume"]);
        Assert.Equal(ExitCodes.Usage, otherSeed.ExitCode);
        Assert.Contains("other options", otherSeed.Error);
        Assert.Equal(before, Results());

        // --steps is the whole search's budget: the store has run its one step, so the same command runs nothing.
        var finished = CliRun.Of(["search", "run", "--store", file, .. SearchedStore.Budget, "--resume"]);
        Assert.True(finished.ExitCode == 0, finished.Error);
        Assert.Contains("nothing left to run", finished.Output);
        Assert.Equal(before, Results());

        var extended = CliRun.Of(["search", "run", "--store", file, "--steps", "2", .. SearchedStore.Budget[2..], "--resume"]);
        Assert.True(extended.ExitCode == 0, extended.Error);
        Assert.Contains("step 2/2", extended.Output);
        Assert.True(Results() > before, $"{Results()} results after resuming, {before} before");
    }

    [Fact]
    public void A_store_that_fails_under_the_search_stops_it_with_a_message_and_resume_finishes_it()
    {
        string file = searched.Copy("failing-" + Guid.NewGuid().ToString("N") + ".db");
        void Sql(string sql)
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False");
            c.Open();
            using var command = c.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        // One process, so the loop records the results itself; behind its back the store refuses them.
        string[] extend = ["search", "run", "--store", file, "--steps", "2", .. SearchedStore.Budget[2..], "--workers", "1", "--resume"];
        Sql("CREATE TRIGGER refuse_results BEFORE INSERT ON results BEGIN SELECT RAISE(ABORT, 'the disk is full'); END");

        var stopped = CliRun.Of(extend);
        Assert.Equal(ExitCodes.Failure, stopped.ExitCode);
        Assert.Contains(file, stopped.Error);
        Assert.Contains("the disk is full", stopped.Error);
        Assert.Contains("--resume to continue", stopped.Error);
        Assert.DoesNotContain("   at ", stopped.Error);

        Sql("DROP TRIGGER refuse_results");
        var resumed = CliRun.Of(extend);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("step 2/2", resumed.Output);
    }

    [Theory]
    [InlineData("--steps must be a positive whole number", "search", "run", "--store", "x.db", "--steps", "0")]
    [InlineData("--filter-threshold must be in (0, 1]", "search", "run", "--store", "x.db", "--filter-threshold", "2")]
    [InlineData("--top must be a positive whole number", "search", "export", "--store", "x.db", "--top", "none")]
    [InlineData("There is no search store", "search", "export", "--store", "missing.db")]
    [InlineData("There is no search store", "search", "run", "--store", "missing.db", "--resume")]
    public void Bad_arguments_exit_two_with_a_plain_message(string message, params string[] args)
    {
        var run = CliRun.Of(args.Select(a => a.EndsWith(".db", StringComparison.Ordinal) ? Path.Combine(searched.Dir, a) : a).ToArray());
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(message, run.Error);
        Assert.False(File.Exists(Path.Combine(searched.Dir, "x.db")), "a rejected command must not create its store");
    }
}
