using CellDsl.Cli.Commands;
using CellDsl.Cli.Runs;
using CellDsl.Compiler.Graph;
using CellDsl.Generator.Parsing;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Store;
using CellDsl.Tests.Training.Data;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data.Tasks;
using CellDsl.Training.Models;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>`train --cell FILE.cs`: a cell `search export` wrote, trained from the command line as a zoo cell is, and
/// its run continued, evaluated and sampled from the source its config keeps.</summary>
[Collection(nameof(SearchRunCollection))]   // compiles cells at run time, which CandidateCompilerTests measures beside it
public sealed class TrainCellFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Dir(string name) => Path.Combine(_temp.Path, name);

    /// <summary>A store holding the GRU and one mutant, both scored on arith and xml (by hand: the export
    /// needs scores, not a search), exported to a folder; returns the mutant's file and its stored architecture.</summary>
    private (string File, Architecture Stored) ExportedMutant()
    {
        string db = Dir("search.db");
        Architecture mutant;
        using (var store = new SqliteSearchStore(db))
        {
            var gru = store.AddArchitecture(new Architecture(0, "GRU", CanonicalKey.Of(Baselines.Gru), GraphText.Write(Baselines.Gru), null, null, 0, default)).Architecture;
            // A cell that trains stably at the tiny runs' rate, stored as a mutant (no name) would be.
            var graph = CellParser.ParseSource(CellSource)!.Model!.Graph;
            mutant = store.AddArchitecture(new Architecture(0, "", CanonicalKey.Of(graph), GraphText.Write(graph), gru.Id, "by hand", 11, default)).Architecture;
            foreach (var (arch, score) in new[] { (gru, 0.5), (mutant, 0.45) })
                foreach (string task in new[] { "arith", "xml" })
                {
                    store.AddJobs([new Job(0, arch.Id, JobKind.Task, task, new Hyperparameters(0.1f, 0.5f, 5f, 1).ToJson(), 7, JobStatus.Pending)]);
                    var claim = store.ClaimNext("test", TimeSpan.FromMinutes(1))!;
                    Assert.True(store.Complete(claim, new JobResult(score, null, 0.1, 1, "{}")));
                }
        }
        var export = CliRun.Of("search", "export", "--store", db, "--top", "2", "--out", Dir("cells"));
        Assert.True(export.ExitCode == 0, export.Error);
        string file = Path.Combine(Dir("cells"), SearchExportCommand.ClassName(mutant) + ".cs");
        Assert.True(File.Exists(file), export.Output);
        return (file, mutant);
    }

    [Fact]
    public void An_exported_cell_trained_through_the_cli_equals_its_stored_graph_trained_through_the_library_bit_for_bit()
    {
        var (file, stored) = ExportedMutant();
        string run = Dir("run");
        var trained = CliRun.Of(TinyRuns.Xml(run, epochs: 1, evaluateEvery: 40, "--cell", file));
        Assert.True(trained.ExitCode == 0, trained.Error + trained.Output);
        string label = SearchExportCommand.ClassName(stored);
        Assert.Contains($"training {label} 1x16 on xml", trained.Output);

        // The config keeps the source, and the source is the stored architecture.
        var config = RunConfig.Read(new RunFolder(run).Config);
        Assert.Equal([label], config.Model.Cells);
        Assert.Equal(File.ReadAllText(file), config.CellSources![label]);
        Assert.Equal(stored.CanonicalKey, CanonicalKey.Of(CellParser.ParseSource(config.CellSources[label])!.Model!.Graph));

        // The library: the store's graph compiled as the search compiles candidates, in a model and trainer built
        // from the run's recorded settings, trained over the same epoch.
        var corpus = config.LoadCorpus();
        using var batch = CandidateCompiler.Compile([("stored", GraphText.Read(stored.GraphText))]);
        var library = new Trainer(new LanguageModel(config.Model, [batch.Candidates[0].Create]), corpus.Train, config.Trainer);
        while (!library.Finished) library.TrainWindow();

        var cli = TinyRuns.Restore(run).Trainer;
        Assert.Equal(100, cli.Step);
        Assert.Equal(TinyRuns.ParameterBits(library), TinyRuns.ParameterBits(cli));
    }

    [Fact]
    public void A_run_of_a_cell_file_resumes_evaluates_and_generates_from_its_config_after_the_file_is_gone()
    {
        var (file, _) = ExportedMutant();
        string straight = Dir("straight"), split = Dir("split");
        Assert.Equal(0, CliRun.Of(TinyRuns.Xml(straight, epochs: 2, "--cell", file)).ExitCode);
        Assert.Equal(0, CliRun.Of(TinyRuns.Xml(split, epochs: 1, "--cell", file)).ExitCode);
        File.Delete(file);

        var resumed = CliRun.Of("train", "--resume", split, "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("from step 100", resumed.Output);
        Assert.Equal(TinyRuns.ParameterBits(TinyRuns.Restore(straight).Trainer), TinyRuns.ParameterBits(TinyRuns.Restore(split).Trainer));

        var eval = CliRun.Of("eval", split, "--split", "test");
        Assert.True(eval.ExitCode == 0, eval.Error);
        Assert.Equal(CliRun.Of("eval", straight, "--split", "test").Output, eval.Output);
        var generated = CliRun.Of("generate", split, "--length", "20", "--temperature", "0");
        Assert.True(generated.ExitCode == 0, generated.Error);
        Assert.Equal(CliRun.Of("generate", straight, "--length", "20", "--temperature", "0").Output, generated.Output);

        // A kept source broken behind the run's back is named where it is kept.
        string config = new RunFolder(split).Config;
        File.WriteAllText(config, File.ReadAllText(config).Replace("h = Tanh(c);", "h = Tanh(q);"));
        var broken = CliRun.Of("eval", split);
        Assert.Equal(ExitCodes.Usage, broken.ExitCode);
        Assert.Contains("config.json CellSources[", broken.Error);
        Assert.Contains("CDSL0006", broken.Error);
    }

    [Fact]
    public void Match_gives_a_cell_file_the_hidden_size_parameter_matching_gives_its_graph()
    {
        var (file, stored) = ExportedMutant();
        string run = Dir("matched");
        var trained = CliRun.Of(["train", "--preset", "xml", "--cell", file, "--match", "gru:24", "--steps", "10", "--batch", "8",
            "--task-tokens", "8008", "--epochs", "1", "--eval-every", "0", "--run", run]);
        Assert.True(trained.ExitCode == 0, trained.Error);
        int expected = ParameterMatching.Matched(GraphText.Read(stored.GraphText), Baselines.Gru, 24, 1, XmlTask.Alphabet.Length);
        Assert.Equal(expected, RunConfig.Read(new RunFolder(run).Config).Model.HiddenSize);

        // The zoo's GRU matched to itself keeps its size; --hidden and --match together say which to drop.
        string gruRun = Dir("gru");
        Assert.Equal(0, CliRun.Of(["train", "--preset", "xml", "--cell", "gru", "--match", "gru:24", "--steps", "10", "--batch", "8",
            "--task-tokens", "8008", "--epochs", "1", "--eval-every", "0", "--run", gruRun]).ExitCode);
        Assert.Equal(24, RunConfig.Read(new RunFolder(gruRun).Config).Model.HiddenSize);
        var both = CliRun.Of("train", "--preset", "xml", "--cell", file, "--match", "gru:24", "--hidden", "30", "--run", Dir("both"));
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Contains("drop --hidden", both.Error);
        var malformed = CliRun.Of("train", "--preset", "xml", "--match", "gru148", "--run", Dir("malformed"));
        Assert.Equal(ExitCodes.Usage, malformed.ExitCode);
        Assert.Contains("--match must be CELL:H", malformed.Error);
    }

    [Theory]
    [InlineData("c = f * q;", "(11,17): error CDSL0006: 'q' is not supported")]
    [InlineData("c = f * c", "is not valid C#")]
    public void A_malformed_cell_file_exits_2_naming_the_file_the_line_and_the_problem(string line11, string message)
    {
        string file = Dir("Broken.cs");
        File.WriteAllText(file, CellSource.Replace("c = f * c + (1f - f) * g;", line11));
        var run = CliRun.Of("train", "--preset", "xml", "--cell", file, "--run", Dir("broken"));
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(file, run.Error);
        Assert.Contains(message, run.Error);
        Assert.False(Directory.Exists(Dir("broken")), "a refused cell must not leave a run folder");
    }

    [Fact]
    public void A_missing_file_a_file_without_a_cell_and_an_exported_json_are_refused_by_name()
    {
        string none = Dir("NoCell.cs");
        File.WriteAllText(none, "public class NotACell { }\n");
        foreach (var (cell, message) in new[]
                 {
                     (Dir("Missing.cs"), "no such file"),
                     (none, "declares no class marked [RnnCell]"),
                     (Dir("Mutant2.json"), "give " + Dir("Mutant2.cs")),
                 })
        {
            var run = CliRun.Of("train", "--preset", "xml", "--cell", cell, "--run", Dir("refused"));
            Assert.Equal(ExitCodes.Usage, run.ExitCode);
            Assert.StartsWith(cell, run.Error);
            Assert.Contains(message, run.Error);
        }
    }

    private const string CellSource = """
        using CellDsl;
        using static CellDsl.CellOps;

        [RnnCell]
        public partial class Coupled
        {
            static void Step(Var x, ref Var h, ref Var c)
            {
                var f = Sigmoid(W(x) + W(h) + B(1f));
                var g = Tanh(W(x) + W(h) + B());
                c = f * c + (1f - f) * g;
                h = Tanh(c);
            }
        }
        """;
}
