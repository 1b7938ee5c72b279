using System.Globalization;
using CellDsl.Cli.Runs;
using CellDsl.Tests.Training.Data;
using CellDsl.Training.Bptt;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Models;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>`celldsl train --corpus jsb` end to end on a small generated piano roll: run files, eval, resume, errors.</summary>
public sealed class JsbRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Dir(string name) => Path.Combine(_temp.Path, name);

    /// <summary>A piano-roll JSON of I–IV–V–I progressions in a few keys, each chord held two steps.</summary>
    private string Chorales()
    {
        int[][] chord = { new[] { 0, 4, 7 }, new[] { 5, 9, 12 }, new[] { 7, 11, 14 }, new[] { 0, 4, 7 } };
        var rng = new CellRandom(1);
        string Split(int count) => "[" + string.Join(", ", Enumerable.Range(0, count).Select(_ =>
        {
            int root = 55 + (int)(rng.NextDouble() * 5), steps = 8 + 8 * (int)(rng.NextDouble() * 3);
            return "[" + string.Join(", ", Enumerable.Range(0, steps).Select(t => "[" + string.Join(", ", chord[t / 2 % 4].Select(k => root + k)) + "]")) + "]";
        })) + "]";
        return _temp.Write("chorales.json", $"{{\"train\": {Split(12)}, \"valid\": {Split(4)}, \"test\": {Split(4)}}}");
    }

    private static string[] Train(string data, string run, int epochs, int hidden = 16)
        => new[] { "train", "--corpus", "jsb", "--data", data, "--run", run, "--hidden", hidden.ToString(CultureInfo.InvariantCulture), "--batch", "4",
                   "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--lr", "0.01" };

    private static (PianoRollRunConfig Config, PianoRollTrainer Trainer) Restore(string run)
    {
        var folder = RunFolder.Existing(run);
        var config = PianoRollRunConfig.Read(folder.Config);
        return (config, PianoRollRun.Restore(config, config.LoadCorpus(), folder));
    }

    private static float[] Parameters(PianoRollTrainer trainer)
    {
        var p = new float[trainer.Model.Parameters.Count];
        trainer.Model.Parameters.CopyParametersTo(p);
        return p;
    }

    [Fact]
    public void Training_writes_every_run_file_with_nll_per_frame_rows_and_eval_reports_the_same_test_figure()
    {
        string data = Chorales(), run = Dir("jsb");
        var result = CliRun.Of(Train(data, run, epochs: 3));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("on jsb (12 chorales", result.Output);
        var folder = new RunFolder(run);
        foreach (var file in new[] { folder.Config, folder.Metrics, folder.Checkpoint, folder.CurvesSvg, folder.CurvesPng })
            Assert.True(File.Exists(file), file);

        var rows = MetricsLog.Read(folder.Metrics);
        Assert.Equal(new[] { "train", "valid", "train", "valid", "train", "valid", "test" }, rows.Select(r => r.Split));
        Assert.Equal(new long[] { 3, 3, 6, 6, 9, 9, 9 }, rows.Select(r => r.Step));   // 12 chorales in batches of 4
        Assert.All(rows, r => Assert.Equal(PianoRollRun.NllPerFrame, r.Metric));
        Assert.All(rows, r => Assert.Equal(r.Loss, r.Value));
        var valid = rows.Where(r => r.Split == "valid").Select(r => r.Loss).ToArray();
        Assert.True(valid[^1] < valid[0], $"valid NLL per frame {string.Join(" → ", valid)}");

        var (config, trainer) = Restore(run);
        Assert.Equal((16, 4, 3), (config.Model.HiddenSize, config.Trainer.Batch, config.Trainer.Epochs));
        Assert.Equal(Path.GetFullPath(data), config.Data);
        var test = rows.Single(r => r.Split == "test");
        var eval = CliRun.Of("eval", run, "--split", "test");
        Assert.True(eval.ExitCode == 0, eval.Error);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"test nll/frame {test.Loss:F4}"), eval.Output);
        Assert.Contains($"over {config.LoadCorpus().Test.Frames} frames", eval.Output);
        Assert.Equal(9, trainer.Step);
    }

    [Fact]
    public void Resuming_ends_bit_for_bit_where_an_uninterrupted_run_ends()
    {
        string data = Chorales(), straight = Dir("straight"), split = Dir("split");
        Assert.Equal(0, CliRun.Of(Train(data, straight, epochs: 2)).ExitCode);
        Assert.Equal(0, CliRun.Of(Train(data, split, epochs: 1)).ExitCode);
        var first = Parameters(Restore(split).Trainer);
        var resumed = CliRun.Of("train", "--resume", split, "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("from step 3", resumed.Output);
        var a = Restore(straight).Trainer;
        var b = Restore(split).Trainer;
        Assert.NotEqual(first, Parameters(b));
        Assert.Equal(Parameters(a), Parameters(b));
        Assert.Equal((a.Epoch, a.Window, a.Step), (b.Epoch, b.Window, b.Step));
    }

    [Fact]
    public void Window_and_tying_options_bad_chorales_and_generate_get_clear_errors()
    {
        string data = Chorales();
        var steps = CliRun.Of(Train(data, Dir("a"), 1).Append("--steps").Append("20").ToArray());
        Assert.Equal(2, steps.ExitCode);
        Assert.Contains("--corpus jsb takes no --steps: each chorale is one whole sequence", steps.Error);
        var tie = CliRun.Of(Train(data, Dir("b"), 1).Append("--tie").ToArray());
        Assert.Equal(2, tie.ExitCode);
        Assert.Contains("--corpus jsb takes no --tie", tie.Error);

        string bad = _temp.Write("bad.json", "{\"train\": [[[60]]], \"valid\": [[[60, 120]]], \"test\": [[[60]]]}");
        var notes = CliRun.Of(Train(bad, Dir("c"), 1));
        Assert.Equal(1, notes.ExitCode);
        Assert.StartsWith($"{bad}: \"valid\" chorale 0 step 0 holds MIDI note 120", notes.Error);

        var mut1 = CliRun.Of(Train(data, Dir("e"), 1).Append("--cell").Append("mut1").ToArray());
        Assert.Equal(2, mut1.ExitCode);
        Assert.Contains("needs input size == hidden size", mut1.Error);
        Assert.Contains("--hidden 88 suits a cell that needs equal sizes", mut1.Error);
        Assert.Equal(0, CliRun.Of(Train(data, Dir("f"), 1, hidden: 88).Append("--cell").Append("mut1").ToArray()).ExitCode);

        string run = Dir("d");
        Assert.Equal(0, CliRun.Of(Train(data, run, 1)).ExitCode);
        var generate = CliRun.Of("generate", run, "--length", "5");
        Assert.Equal(1, generate.ExitCode);
        Assert.Contains("JSB chorales (piano-roll) run", generate.Error);
    }

    [Fact]
    public void A_language_model_checkpoint_is_not_loaded_into_a_piano_roll_trainer()
    {
        string run = Dir("xml");
        Assert.Equal(0, CliRun.Of(TinyRuns.Xml(run, epochs: 1)).ExitCode);
        var model = new PianoRollModel(new PianoRollModelConfig { HiddenSize = 4, Cells = new[] { "lstm" } });
        var split = new CellDsl.Training.Data.PianoRollSplit("s", "s", new[] { new float[88] });
        var trainer = new PianoRollTrainer(model, split, new PianoRollTrainerOptions());
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new RunFolder(run).Checkpoint, trainer));
        Assert.Contains("a language model's checkpoint, not a piano-roll model's", e.Message);
    }
}
