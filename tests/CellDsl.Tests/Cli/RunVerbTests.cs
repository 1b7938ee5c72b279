using System.Globalization;
using CellDsl.Cli.Runs;
using CellDsl.Tests.Training.Data;
using CellDsl.Training.Data.Tasks;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>One tiny trained run that eval, generate and plot read (trained once for the class).</summary>
public sealed class TrainedRun : IDisposable
{
    private readonly TempFolder _temp = new();

    public TrainedRun()
    {
        Path = System.IO.Path.Combine(_temp.Path, "run");
        var result = CliRun.Of(TinyRuns.Xml(Path, epochs: 2));
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Error);
        Other = System.IO.Path.Combine(_temp.Path, "other");
        result = CliRun.Of(TinyRuns.Xml(Other, epochs: 1, "--cell", "gru"));
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Error);
    }

    public string Path { get; }
    public string Other { get; }
    public string Temp => _temp.Path;

    public void Dispose() => _temp.Dispose();
}

public sealed class RunVerbTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    [Theory]
    [InlineData("valid")]
    [InlineData("test")]
    public void Eval_prints_the_figure_the_run_recorded_for_the_split_from_its_checkpoint(string split)
    {
        var result = CliRun.Of("eval", run.Path, "--split", split);
        Assert.True(result.ExitCode == 0, result.Error);
        // The run evaluated both splits at the same checkpoint; the checkpoint must restore that model exactly.
        var row = MetricsLog.Read(new RunFolder(run.Path).Metrics).Last(r => r.Split == split);
        Assert.StartsWith($"{split} accuracy {row.Value!.Value.ToString("F4", CultureInfo.InvariantCulture)}  (mean NLL {row.Loss.ToString("F4", CultureInfo.InvariantCulture)} nats", result.Output);
        Assert.Contains("step 200", result.Output);
    }

    [Fact]
    public void Eval_of_a_folder_without_a_checkpoint_exits_1_and_a_bad_split_exits_2()
    {
        string empty = Path.Combine(run.Temp, "copy");
        Directory.CreateDirectory(empty);
        File.Copy(new RunFolder(run.Path).Config, new RunFolder(empty).Config, overwrite: true);
        var result = CliRun.Of("eval", empty);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(new RunFolder(empty).Checkpoint + ": missing", result.Error);

        var bad = CliRun.Of("eval", run.Path, "--split", "train");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--split must be one of valid, test, got 'train'.", bad.Error);
    }

    [Fact]
    public void Generate_continues_the_prompt_with_the_asked_number_of_xml_symbols_reproducibly()
    {
        string[] args = { "generate", run.Path, "--prompt", "<ab>\n", "--length", "60", "--temperature", "0.8", "--top-k", "5", "--seed", "3" };
        var first = CliRun.Of(args);
        Assert.True(first.ExitCode == 0, first.Error);
        string text = first.Output.TrimEnd('\n');
        Assert.StartsWith("<ab>\n", text);
        Assert.Equal(5 + 60, text.Length);
        Assert.All(text, c => Assert.Contains(c, XmlTask.Alphabet));
        Assert.Equal(first.Output, CliRun.Of(args).Output);

        // Greedy decoding is the most probable path: the same for every seed.
        var greedy = CliRun.Of("generate", run.Path, "--length", "30", "--temperature", "0", "--seed", "1");
        Assert.Equal(greedy.Output, CliRun.Of("generate", run.Path, "--length", "30", "--temperature", "0", "--seed", "9").Output);
        Assert.StartsWith("\n", greedy.Output);
    }

    [Theory]
    [InlineData("--prompt", "<AB>", "--prompt has 'A', which is not in the corpus's vocabulary of 31 tokens")]
    [InlineData("--prompt", "", "--prompt is empty")]
    [InlineData("--temperature", "-1", "--temperature must be a number >= 0, got '-1'.")]
    [InlineData("--length", "0", "--length must be a positive whole number, got '0'.")]
    [InlineData("--top-k", "x", "--top-k must be a whole number >= 0, got 'x'.")]
    public void Generate_refuses_bad_values_with_exit_code_2(string option, string value, string message)
    {
        var result = CliRun.Of("generate", run.Path, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Equal("", result.Output);
    }

    [Theory]
    [InlineData("runs.svg")]
    [InlineData("runs.png")]
    public void Plot_overlays_two_runs_in_one_image(string name)
    {
        string file = Path.Combine(run.Temp, name);
        var result = CliRun.Of("plot", run.Path, run.Other, "--out", file);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("(2 runs)", result.Output);
        var bytes = File.ReadAllBytes(file);
        Assert.True(bytes.Length > 10_000);
        if (name.EndsWith(".svg"))
        {
            string svg = File.ReadAllText(file);
            foreach (var label in new[] { "run train loss", "run valid loss", "other train loss", "other valid loss" })
                Assert.Contains(label, svg);
        }
        else
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4));
    }

    [Fact]
    public void Plot_needs_runs_and_an_svg_or_png_name()
    {
        Assert.Equal(2, CliRun.Of("plot").ExitCode);
        var bad = CliRun.Of("plot", run.Path, "--out", Path.Combine(run.Temp, "x.jpg"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--out must name an .svg or .png file", bad.Error);
        var missing = CliRun.Of("plot", run.Path, Path.Combine(run.Temp, "nothing"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no such folder", missing.Error);
    }
}
