using CellDsl.Training.Bptt;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Data;
using CellDsl.Training.Models;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>The checkpoint file: bit-identical resume, round trip of every section, and clear errors for bad files.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly TokenStream Train = Streams.Cycle(700);

    private static Trainer NewTrainer(string optimizer = "sgd", float dropout = 0.25f)
    {
        var model = new LanguageModel(new LanguageModelConfig { VocabularySize = 5, HiddenSize = 10, Cells = new[] { "lstm", "gru" }, Dropout = dropout, Seed = 2 });
        // 700 / 4 = 175 tokens per stream, 29 windows of 6: the run crosses an epoch boundary (state reset, rate decay).
        return new Trainer(model, Train, new TrainerOptions { Steps = 6, Batch = 4, Epochs = 3, ConstantEpochs = 1, Decay = 2f, Optimizer = optimizer, LearningRate = optimizer == "adam" ? 0.01f : 1f, Seed = 7 });
    }

    private static int[] Bits(Trainer t)
    {
        var p = new float[t.Model.Parameters.Count];
        t.Model.Parameters.CopyParametersTo(p);
        return p.Select(BitConverter.SingleToInt32Bits).ToArray();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Training_n_windows_equals_n_over_2_then_save_load_into_a_fresh_trainer_then_n_over_2_bit_for_bit(string optimizer)
    {
        const int N = 40;
        var straight = NewTrainer(optimizer);
        straight.Train(N / 2);
        straight.Evaluate(Train, "train");
        straight.Train(N / 2);

        var first = NewTrainer(optimizer);
        first.Train(N / 2);
        first.Evaluate(Train, "train");
        string path = Path.Combine(_dir, "run.ckpt");
        Checkpoint.Save(path, first);

        var config = Checkpoint.ReadConfig(path);
        var resumed = new Trainer(new LanguageModel(config.Model), Train, config.Trainer);
        Assert.NotEqual(Bits(first), Bits(resumed));
        Checkpoint.Load(path, resumed);
        Assert.Equal(Bits(first), Bits(resumed));
        Assert.Equal((first.Epoch, first.Window, first.Step), (resumed.Epoch, resumed.Window, resumed.Step));
        Assert.Equal(first.History, resumed.History);
        resumed.Train(N / 2);

        Assert.Equal(Bits(straight), Bits(resumed));
        Assert.Equal(1, resumed.Epoch);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void A_truncated_file_is_an_error_naming_the_file()
    {
        string path = Path.Combine(_dir, "cut.ckpt");
        Checkpoint.Save(path, NewTrainer());
        var bytes = File.ReadAllBytes(path);
        foreach (int keep in new[] { 4, 14, 40, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(path, bytes.AsSpan(0, keep).ToArray());
            var ex = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, NewTrainer()));
            Assert.Contains(path, ex.Message);
            Assert.Equal(path, ex.FilePath);
        }
    }

    [Fact]
    public void A_flipped_byte_fails_the_checksum_and_leaves_the_trainer_as_it_was()
    {
        string path = Path.Combine(_dir, "flip.ckpt");
        var saved = NewTrainer();
        saved.Train(3);
        Checkpoint.Save(path, saved);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var target = NewTrainer();
        var before = Bits(target);
        var ex = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, target));
        Assert.Contains("CRC-32", ex.Message);
        Assert.Equal(before, Bits(target));
    }

    [Fact]
    public void Another_version_or_a_file_that_is_not_a_checkpoint_is_an_error_saying_so()
    {
        string path = Path.Combine(_dir, "v.ckpt");
        Checkpoint.Save(path, NewTrainer());
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), 99);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("version 99", Assert.Throws<CheckpointException>(() => Checkpoint.ReadConfig(path)).Message);

        File.WriteAllText(path, "hello, not a checkpoint");
        Assert.Contains("not a CellDsl checkpoint", Assert.Throws<CheckpointException>(() => Checkpoint.ReadConfig(path)).Message);

        string missing = Path.Combine(_dir, "missing.ckpt");
        Assert.Contains(missing, Assert.Throws<CheckpointException>(() => Checkpoint.ReadConfig(missing)).Message);
    }

    [Fact]
    public void Loading_into_a_model_of_another_shape_is_an_error_naming_both()
    {
        string path = Path.Combine(_dir, "shape.ckpt");
        Checkpoint.Save(path, NewTrainer());
        var other = new LanguageModel(new LanguageModelConfig { VocabularySize = 5, HiddenSize = 12, Cells = new[] { "lstm", "gru" }, Dropout = 0.25f, Seed = 2 });
        var trainer = new Trainer(other, Train, new TrainerOptions { Steps = 6, Batch = 4 });
        var ex = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, trainer));
        Assert.Contains("\"HiddenSize\":10", ex.Message);
        Assert.Contains("\"HiddenSize\":12", ex.Message);
    }

    [Fact]
    public void Saving_where_no_file_can_be_written_is_an_error_naming_the_path()
    {
        string path = Path.Combine(_dir, "no-such-folder", "run.ckpt");
        Assert.Contains(path, Assert.Throws<CheckpointException>(() => Checkpoint.Save(path, NewTrainer())).Message);
    }

    [Fact]
    public void Saving_over_an_existing_checkpoint_replaces_it_whole()
    {
        string path = Path.Combine(_dir, "over.ckpt");
        var t = NewTrainer();
        Checkpoint.Save(path, t);
        t.Train(5);
        Checkpoint.Save(path, t);
        var back = NewTrainer();
        Checkpoint.Load(path, back);
        Assert.Equal(5, back.Step);
        Assert.Equal(Bits(t), Bits(back));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
