using System.Linq;
using System.Text.Json;
using CellDsl.Training.Bptt;
using CellDsl.Training.Models;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>Settings that cannot build a model or a trainer fail at construction, naming the setting.</summary>
public class ConfigTests
{
    private static LanguageModelConfig Config(string[] cells, int embedding = 0, bool tie = false, float dropout = 0f)
        => new() { VocabularySize = 9, HiddenSize = 6, Cells = cells, EmbeddingSize = embedding, TieWeights = tie, Dropout = dropout };

    [Fact]
    public void Tied_weights_need_the_embedding_size_to_equal_the_hidden_size()
        => Assert.Contains("TieWeights", Assert.Throws<ArgumentException>(() => new LanguageModel(Config(new[] { "lstm" }, embedding: 4, tie: true))).Message);

    [Fact]
    public void An_unknown_cell_name_lists_the_zoo()
        => Assert.Contains("lstm", Assert.Throws<ArgumentException>(() => new LanguageModel(Config(new[] { "lstm", "nonesuch" }))).Message);

    [Fact]
    public void A_cell_that_needs_input_equal_to_hidden_says_so()
        => Assert.Contains("input size == hidden size", Assert.Throws<ArgumentException>(() => new LanguageModel(Config(new[] { "mut1" }, embedding: 4))).Message);

    [Fact]
    public void Dropout_of_one_or_more_is_an_error()
        => Assert.Contains("Dropout", Assert.Throws<ArgumentException>(() => new LanguageModel(Config(new[] { "gru" }, dropout: 1f))).Message);

    [Fact]
    public void Tying_shares_the_table_so_the_decoder_keeps_only_its_bias()
    {
        var untied = new LanguageModel(Config(new[] { "gru" }));
        var tied = new LanguageModel(Config(new[] { "gru" }, tie: true));
        Assert.Equal(untied.Parameters.Count - 9 * 6, tied.Parameters.Count);
        tied.Embedding.Parameters[7] = 42f;
        Assert.Equal(42f, tied.Decoder.Weight[7]);
    }

    [Fact]
    public void Constant_initialised_cell_parameters_keep_their_value_and_the_rest_lie_within_the_init_scale()
    {
        var model = new LanguageModel(Config(new[] { "lstm-b" }) with { InitScale = 0.05f });
        var cell = model.Cells[0];
        foreach (var p in cell.ParameterLayout)
        {
            var values = cell.Parameters.Slice(p.Offset, p.Length).ToArray();
            if (p.Init == InitKind.Constant) Assert.All(values, v => Assert.Equal(p.InitValue, v));
            else Assert.All(values, v => Assert.InRange(v, -0.05f, 0.05f));
        }
        Assert.Contains(cell.ParameterLayout, p => p.Init == InitKind.Constant && p.InitValue == 1f);
        Assert.All(model.Embedding.Parameters.ToArray(), v => Assert.InRange(v, -0.05f, 0.05f));
    }

    [Fact]
    public void A_training_stream_of_another_vocabulary_is_an_error_naming_it()
    {
        var model = new LanguageModel(Config(new[] { "gru" }));
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(model, Streams.Random(500, 5, 1), new TrainerOptions { Steps = 4, Batch = 2 }));
        Assert.Contains("random1", ex.Message);
    }

    [Fact]
    public void An_unknown_optimizer_is_an_error_naming_the_choices()
    {
        var model = new LanguageModel(Config(new[] { "gru" }));
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(model, Streams.Random(500, 9, 1), new TrainerOptions { Steps = 4, Batch = 2, Optimizer = "rmsprop" }));
        Assert.Contains("adam", ex.Message);
    }

    [Fact]
    public void Trainer_options_read_the_flat_objects_earlier_run_folders_hold_and_write_the_same_keys()
    {
        // config.json and checkpoints of runs made before the shared optimization options existed.
        const string lm = """{"Steps":35,"Batch":20,"Epochs":39,"LearningRate":1,"ConstantEpochs":6,"Decay":1.2,"ClipNorm":5,"Optimizer":"sgd","EvaluationSteps":0,"EvaluationBatch":0,"Seed":3}""";
        const string music = """{"Batch":8,"Epochs":50,"LearningRate":0.001,"ConstantEpochs":1,"Decay":1,"ClipNorm":5,"Optimizer":"adam","Seed":2}""";

        var t = JsonSerializer.Deserialize<TrainerOptions>(lm)!;
        Assert.Equal(new TrainerOptions { Steps = 35, Batch = 20, Epochs = 39, LearningRate = 1f, ConstantEpochs = 6, Decay = 1.2f, ClipNorm = 5f, Optimizer = "sgd", Seed = 3 }, t);
        var p = JsonSerializer.Deserialize<PianoRollTrainerOptions>(music)!;
        Assert.Equal(new PianoRollTrainerOptions { Batch = 8, Epochs = 50, LearningRate = 0.001f, ConstantEpochs = 1, Decay = 1f, ClipNorm = 5f, Optimizer = "adam", Seed = 2 }, p);

        Assert.Equal(Keys(lm), Keys(JsonSerializer.Serialize(t)));
        Assert.Equal(Keys(music), Keys(JsonSerializer.Serialize(p)));
    }

    [Fact]
    public void Each_trainer_keeps_its_own_defaults_under_the_shared_options()
    {
        var lm = new TrainerOptions();
        Assert.Equal((13, 1f, 4, 2f, 5f, "sgd", 1), (lm.Epochs, lm.LearningRate, lm.ConstantEpochs, lm.Decay, lm.ClipNorm, lm.Optimizer, lm.Seed));
        var music = new PianoRollTrainerOptions();
        Assert.Equal((50, 0.001f, 1, 1f, 5f, "adam", 1), (music.Epochs, music.LearningRate, music.ConstantEpochs, music.Decay, music.ClipNorm, music.Optimizer, music.Seed));
        Assert.Contains("Batch", Assert.Throws<ArgumentException>(() => (music with { Batch = 0 }).Validate()).Message);
        Assert.Contains("Epochs", Assert.Throws<ArgumentException>(() => (lm with { Epochs = 0 }).Validate()).Message);
    }

    private static string[] Keys(string json) => JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
}
