using CellDsl.Cli.Runs;
using CellDsl.Tests.Training.Data;
using Xunit;

namespace CellDsl.Tests.Cli;

public sealed class TrainCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Dir(string name) => Path.Combine(_temp.Path, name);

    [Fact]
    public void Training_xml_for_300_steps_beats_the_context_free_loss_and_writes_every_run_file()
    {
        string run = Dir("xml");
        var result = CliRun.Of(TinyRuns.Xml(run, epochs: 3, evaluateEvery: 40));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        Assert.Contains("valid  epoch 3.00  step 300", result.Output);

        var folder = new RunFolder(run);
        foreach (var file in new[] { folder.Config, folder.Metrics, folder.Checkpoint, folder.CurvesSvg, folder.CurvesPng })
            Assert.True(File.Exists(file), file);
        Assert.False(File.Exists(folder.Checkpoint + ".tmp"));

        // Every line is a row; a train and a valid row every 40 steps of each epoch (100 windows), counted from the
        // epoch's start, and at its end, then the test split once at the end.
        var rows = MetricsLog.Read(folder.Metrics);
        Assert.Equal(File.ReadAllLines(folder.Metrics).Length, rows.Count);
        Assert.Equal(Enumerable.Repeat(new[] { "train", "valid" }, 9).SelectMany(s => s).Append("test"), rows.Select(r => r.Split));
        long[] steps = [40, 80, 100, 140, 180, 200, 240, 280, 300];
        Assert.Equal(steps.SelectMany(s => new[] { s, s }).Append(300), rows.Select(r => r.Step));
        Assert.Equal(steps.SelectMany(s => new[] { s / 100.0, s / 100.0 }).Append(3.0), rows.Select(r => r.Epoch));
        Assert.All(rows, r => Assert.Equal("accuracy", r.Metric));
        Assert.All(rows, r => Assert.True(r.TokensPerSecond > 0 && r.WallSeconds > 0));
        Assert.All(rows.Where(r => r.Split != "train"), r => Assert.InRange(r.Value!.Value, 0, 1));
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.WallSeconds <= p.Second.WallSeconds));

        // The config records what ran, and the model must have learned more than symbol frequencies.
        var (config, corpus, trainer) = TinyRuns.Restore(run);
        Assert.Equal(("xml", 16, 10, 8, 3), (config.Corpus, config.Model.HiddenSize, config.Trainer.Steps, config.Trainer.Batch, config.Trainer.Epochs));
        Assert.Equal(300, trainer.Step);
        double unigram = TinyRuns.UnigramLoss(corpus.Train, corpus.Valid);
        var lastValid = rows.Last(r => r.Split == "valid");
        Assert.True(lastValid.Loss < unigram - 0.5, $"valid loss {lastValid.Loss} vs the context-free {unigram}");

        // Images a person can open: an SVG with the axis labels, a PNG with its signature, both with real content.
        string svg = File.ReadAllText(folder.CurvesSvg);
        Assert.Contains("<svg", svg);
        Assert.Contains("epoch", svg);
        Assert.Contains("nats", svg);
        Assert.True(svg.Length > 5_000);
        var png = File.ReadAllBytes(folder.CurvesPng);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4));
        Assert.True(png.Length > 10_000);
    }

    [Fact]
    public void Output_that_is_no_terminal_gets_plain_progress_lines_even_when_a_live_display_is_allowed()
    {
        // Spectre's live display draws nothing where output is not an interactive terminal; the run must notice
        // and log lines instead of running silently.
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CellDsl.Cli.CliApp.Run(TinyRuns.Xml(Dir("live"), epochs: 1), output, error, CellDsl.Cli.Rendering.TextStyle.Plain with { Live = true });
        Assert.True(code == 0, error.ToString());
        var lines = output.ToString().Split('\n');
        Assert.Equal(10, lines.Count(l => l.StartsWith("epoch 1/1  step ", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.StartsWith("valid  epoch 1.00  step 100  loss ", StringComparison.Ordinal));
        Assert.DoesNotContain("\u001b[", output.ToString());
    }

    [Fact]
    public void Resuming_through_the_cli_ends_bit_for_bit_where_an_uninterrupted_run_ends()
    {
        string straight = Dir("straight"), split = Dir("split");
        Assert.Equal(0, CliRun.Of(TinyRuns.Xml(straight, epochs: 2)).ExitCode);
        Assert.Equal(0, CliRun.Of(TinyRuns.Xml(split, epochs: 1)).ExitCode);
        var first = TinyRuns.Restore(split).Trainer;
        Assert.Equal(100, first.Step);

        var resumed = CliRun.Of("train", "--resume", split, "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("from step 100", resumed.Output);

        var a = TinyRuns.Restore(straight).Trainer;
        var b = TinyRuns.Restore(split).Trainer;
        Assert.NotEqual(TinyRuns.ParameterBits(first), TinyRuns.ParameterBits(b));
        Assert.Equal(TinyRuns.ParameterBits(a), TinyRuns.ParameterBits(b));
        Assert.Equal((a.Epoch, a.Window, a.Step), (b.Epoch, b.Window, b.Step));
        Assert.Equal(2, RunConfig.Read(new RunFolder(split).Config).Trainer.Epochs);

        // The figures agree too; the split run also tested after its first part.
        static string Figures(IEnumerable<MetricsRow> rows) => string.Join("\n", rows.Select(r => $"{r.Step} {r.Split} {r.Loss:R} {r.Value:R}"));
        var rowsA = MetricsLog.Read(new RunFolder(straight).Metrics);
        var rowsB = MetricsLog.Read(new RunFolder(split).Metrics).Where(r => !(r.Split == "test" && r.Step == 100));
        Assert.Equal(Figures(rowsA), Figures(rowsB));
    }

    [Fact]
    public void A_diverging_run_exits_1_with_the_engines_message_and_leaves_the_last_good_checkpoint_as_it_was()
    {
        string run = Dir("nan");
        Assert.Equal(0, CliRun.Of(TinyRuns.Xml(run, epochs: 1)).ExitCode);
        var folder = new RunFolder(run);
        byte[] good = File.ReadAllBytes(folder.Checkpoint);
        // The rate may change on resume; Adam at the largest float overflows the parameters at the first step,
        // so the second one's loss is NaN.
        var config = RunConfig.Read(folder.Config);
        (config with { Trainer = config.Trainer with { LearningRate = float.MaxValue } }).Write(folder.Config);

        var result = CliRun.Of("train", "--resume", run, "--epochs", "2");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Training diverged at epoch 2, window 2 (step 102): the loss is NaN.", result.Error);
        Assert.Contains("The parameters were not updated", result.Error);
        Assert.Contains($"The last good checkpoint is {folder.Checkpoint}: celldsl train --resume {folder.Path} continues from it.", result.Error);
        Assert.Equal(good, File.ReadAllBytes(folder.Checkpoint));
        Assert.All(TinyRuns.ParameterBits(TinyRuns.Restore(run).Trainer), bits => Assert.True(float.IsFinite(BitConverter.Int32BitsToSingle(bits))));
    }

    [Fact]
    public void A_missing_ptb_folder_exits_1_naming_the_folder()
    {
        string missing = Dir("no-ptb");
        var result = CliRun.Of("train", "--corpus", "ptb", "--data", missing, "--run", Dir("r"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(missing, result.Error);
        Assert.Equal("", result.Output);
        Assert.False(Directory.Exists(Dir("r")));
    }

    [Fact]
    public void A_run_folder_that_cannot_be_made_exits_1_naming_it()
    {
        string file = _temp.Write("taken", "a file, not a folder");
        var result = CliRun.Of("train", "--preset", "memorization", "--task-tokens", "2000", "--steps", "5", "--batch", "4", "--run", file);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(file, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void Words_of_a_ptb_folder_train_and_generate_from_a_word_prompt()
    {
        string ptb = Path.Combine(_temp.Path, "ptb");
        Directory.CreateDirectory(ptb);
        string lines = string.Concat(Enumerable.Repeat("the cat sat on the mat\nthe dog sat on the log\n", 20));
        foreach (var split in new[] { "train", "valid", "test" }) File.WriteAllText(Path.Combine(ptb, $"ptb.{split}.txt"), lines);
        string run = Dir("words");
        var trained = CliRun.Of("train", "--corpus", "ptb", "--data", ptb, "--hidden", "8", "--steps", "5", "--batch", "4", "--epochs", "2", "--run", run);
        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains("on ptb (8 tokens,", trained.Output);
        Assert.Equal("perplexity", MetricsLog.Read(new RunFolder(run).Metrics)[0].Metric);

        var sample = CliRun.Of("generate", run, "--prompt", "the dog", "--length", "12");
        Assert.True(sample.ExitCode == 0, sample.Error);
        var words = sample.Output.Trim().Split(' ');
        Assert.Equal(new[] { "the", "dog" }, words.Take(2));
        Assert.Equal(14, words.Length);
        Assert.All(words, w => Assert.Contains(w, new[] { "the", "cat", "sat", "on", "mat", "dog", "log", "<eos>" }));

        var unknown = CliRun.Of("generate", run, "--prompt", "the bird");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--prompt has 'bird', which is not in the corpus's vocabulary of 8 tokens", unknown.Error);
    }

    [SharedDataFact("ptb")]
    public void Ptb_is_read_from_the_data_variable_when_no_data_is_given()
    {
        // A window longer than PTB's training split: the engine's refusal names the file it read.
        var result = CliRun.Of("train", "--corpus", "ptb", "--hidden", "8", "--layers", "1", "--steps", "1000", "--batch", "1000", "--run", Dir("r"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(Path.Combine(SharedDataFactAttribute.Folder("ptb"), "ptb.train.txt") + ": 929589 tokens are too few", result.Error);
    }

    [Fact]
    public void Text_that_is_not_utf8_exits_1_with_the_file_line_and_byte()
    {
        string file = _temp.WriteBytes("bad.txt", "hello\nw"u8.ToArray().Concat(new byte[] { 0xFF }).Concat("rld\n"u8.ToArray()).ToArray());
        var result = CliRun.Of("train", "--corpus", "text", "--data", file, "--run", Dir("r"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{file}:2:", result.Error);
        Assert.Contains("UTF-8", result.Error);
        Assert.Contains("0xFF", result.Error);
    }

    [Fact]
    public void A_text_shorter_than_one_batch_is_a_usage_error_naming_the_split()
    {
        string file = _temp.Write("short.txt", string.Concat(Enumerable.Repeat("abcabc\n", 30)));
        var result = CliRun.Of("train", "--corpus", "text", "--data", file, "--run", Dir("r"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(file, result.Error);
        Assert.Contains("celldsl train --help", result.Error);
    }

    [Theory]
    [InlineData(new[] { "--cell", "lstm,no-such-cell" }, "There is no cell 'no-such-cell' in the zoo.")]
    [InlineData(new[] { "--cell", "lstm,,gru" }, "--cell has an empty cell name")]
    [InlineData(new[] { "--cell", "lstm,gru", "--layers", "3" }, "--cell names 2 cells but --layers is 3")]
    [InlineData(new[] { "--hidden", "abc" }, "--hidden must be a positive whole number, got 'abc'.")]
    [InlineData(new[] { "--hidden", "0" }, "--hidden must be a positive whole number, got '0'.")]
    [InlineData(new[] { "--lr", "0" }, "--lr must be a positive number, got '0'.")]
    [InlineData(new[] { "--lr", "NaN" }, "--lr must be a positive number, got 'NaN'.")]
    [InlineData(new[] { "--dropout", "1" }, "--dropout must be in [0, 1), got '1'.")]
    [InlineData(new[] { "--decay", "0.5" }, "--decay must be a number >= 1 (1: constant rate), got '0.5'.")]
    [InlineData(new[] { "--optimizer", "rmsprop" }, "--optimizer must be one of sgd, adam, got 'rmsprop'.")]
    [InlineData(new[] { "--data", "x.txt" }, "--corpus xml is generated from --seed and reads no files; drop --data x.txt.")]
    [InlineData(new[] { "--tie", "--hidden", "16" }, null)]
    public void Bad_options_exit_2_with_a_plain_message(string[] options, string? message)
    {
        string run = Dir("r");
        var args = new[] { "train", "--preset", "xml", "--task-tokens", "2000", "--steps", "5", "--batch", "4", "--epochs", "1", "--run", run }.Concat(options).ToArray();
        var result = CliRun.Of(args);
        if (message is null)
        {
            // The control: the same line with good values trains.
            Assert.True(result.ExitCode == 0, result.Error);
            return;
        }
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Contains("celldsl train --help", result.Error);
        Assert.DoesNotContain("(Parameter", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.False(File.Exists(new RunFolder(run).Config));
    }

    [Fact]
    public void Corpus_and_preset_missing_an_unknown_corpus_and_ptb_without_data_are_usage_errors()
    {
        var none = CliRun.Of("train");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("Say what to train on: --corpus NAME (ptb, text, arith, xml, memorization, jsb)", none.Error);

        var unknown = CliRun.Of("train", "--corpus", "wiki");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--corpus must be one of ptb, text, arith, xml, memorization, jsb, got 'wiki'.", unknown.Error);

        var preset = CliRun.Of("train", "--preset", "huge");
        Assert.Equal(2, preset.ExitCode);
        Assert.Contains("--preset must be one of small, medium, large, arith, xml, memorization, jsb, got 'huge'.", preset.Error);

        var text = CliRun.Of("train", "--corpus", "text");
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("--corpus text needs --data PATH", text.Error);

        var sized = CliRun.Of("train", "--corpus", "text", "--data", "x.txt", "--task-tokens", "100");
        Assert.Equal(2, sized.ExitCode);
        Assert.Contains("--task-tokens sizes the generated tasks", sized.Error);
    }

    [Fact]
    public void Resume_refuses_other_settings_a_finished_run_and_a_folder_that_is_no_run()
    {
        string run = Dir("done");
        Assert.Equal(0, CliRun.Of("train", "--preset", "memorization", "--task-tokens", "2000", "--hidden", "8", "--steps", "5", "--batch", "4", "--epochs", "1", "--run", run).ExitCode);

        var changed = CliRun.Of("train", "--resume", run, "--hidden", "32", "--lr", "1");
        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("drop --hidden, --lr (only --epochs may change)", changed.Error);

        var finished = CliRun.Of("train", "--resume", run);
        Assert.Equal(2, finished.ExitCode);
        Assert.Contains("has trained all 1 epochs; give --epochs N above that", finished.Error);

        var again = CliRun.Of("train", "--preset", "memorization", "--run", run);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds a run: continue it with --resume", again.Error);

        var missing = CliRun.Of("train", "--resume", Dir("nothing"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no such folder", missing.Error);

        File.WriteAllText(new RunFolder(run).Config, "{ not json");
        var broken = CliRun.Of("train", "--resume", run, "--epochs", "2");
        Assert.Equal(1, broken.ExitCode);
        Assert.StartsWith(new RunFolder(run).Config + ": not a run configuration", broken.Error);
    }

    [Fact]
    public void Help_lists_the_training_verbs()
    {
        var run = CliRun.Of("--help");
        foreach (var verb in new[] { "train", "eval", "generate", "plot" })
            Assert.Contains($"  {verb} ", run.Output);
        var train = CliRun.Of("train", "--help");
        Assert.Equal(0, train.ExitCode);
        foreach (var option in new[] { "--corpus", "--data", "--cell", "--preset", "--layers", "--hidden", "--steps", "--batch", "--epochs", "--lr",
                     "--constant-epochs", "--decay", "--clip", "--init-scale", "--dropout", "--tie", "--optimizer", "--seed", "--eval-every", "--run", "--resume" })
            Assert.Contains(option, train.Output);
    }
}
