using System.Text.Json;
using CellDsl.Compiler;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data.Tasks;
using CellDsl.Training.Models;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Search;

/// <summary>One candidate, one task, one setting: scored as a hand-written training loop scores it, and every way a
/// candidate can fail comes back as a result with the reason.</summary>
public class EvaluationTests
{
    private static readonly TaskSizes Tiny = new(3_000, 600, 600);

    private static EvaluationSettings Settings(int steps = 12, double seconds = 60) => new()
    {
        Memorization = new TaskBudget("memorization", steps, seconds, Tiny, GruHidden: 8, UnrollSteps: 10, Batch: 4, EvaluateEvery: 4),
        Tasks = [new TaskBudget("arith", steps, seconds, Tiny, 8, 10, 4, 4), new TaskBudget("xml", steps, seconds, Tiny, 8, 10, 4, 4)],
    };

    private static readonly Hyperparameters Setting = new(1f, 0.5f, 5f, 1);

    private static CandidateBatch Compile(params (string, CellGraph)[] cells) => CandidateCompiler.Compile(cells);

    [Fact]
    public void A_candidates_score_is_the_best_validation_accuracy_of_the_same_run_written_by_hand()
    {
        var evaluator = new CandidateEvaluator(Settings());
        using var batch = Compile(("gru", Baselines.Gru));
        var result = evaluator.Evaluate(batch.Candidates[0], "xml", Setting, seed: 5);
        Assert.Null(result.Failure);

        // The zoo's generated GRU in the trainer, configured as the evaluator documents it.
        var corpus = evaluator.Corpus("xml");
        var model = new LanguageModel(new LanguageModelConfig
        {
            VocabularySize = corpus.Vocabulary.Count, HiddenSize = 8, Cells = ["gru"], InitScale = 1f / MathF.Sqrt(8), Seed = 5,
        });
        var trainer = new Trainer(model, corpus.Train, new TrainerOptions
        {
            Steps = 10, Batch = 4, Epochs = 1000, LearningRate = 0.5f, ConstantEpochs = 1000, Decay = 1f, ClipNorm = 5f, Seed = 5,
        });
        double best = 0;
        for (int w = 1; w <= 12; w++)
        {
            trainer.TrainWindow();
            if (w % 4 == 0) best = Math.Max(best, trainer.Evaluate(corpus.Valid, "valid").Accuracy);
        }
        Assert.Equal(best, result.Score);
        using var details = JsonDocument.Parse(result.Details);
        Assert.Equal(8, details.RootElement.GetProperty("hidden").GetInt32());
        Assert.Equal(model.Parameters.Count, details.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(3, details.RootElement.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public void The_same_job_gives_the_same_score_and_another_seed_another()
    {
        var evaluator = new CandidateEvaluator(Settings());
        using var batch = Compile(("lstm", Baselines.Lstm));
        var a = evaluator.Evaluate(batch.Candidates[0], "arith", Setting, 3);
        var b = evaluator.Evaluate(batch.Candidates[0], "arith", Setting, 3);
        Assert.Equal(a.Score, b.Score);
        var details = new[] { 3L, 4, 5, 6 }.Select(s => evaluator.Evaluate(batch.Candidates[0], "memorization", Setting, s).Details).ToHashSet();
        Assert.True(details.Count > 1, "four seeds trained identically");
    }

    [Fact]
    public void The_filter_stops_as_soon_as_the_candidate_passes()
    {
        var evaluator = new CandidateEvaluator(Settings(steps: 40) with { FilterThreshold = 0.01 });
        using var batch = Compile(("gru", Baselines.Gru));
        var result = evaluator.Evaluate(batch.Candidates[0], "memorization", Setting, 1);
        using var details = JsonDocument.Parse(result.Details);
        Assert.True(result.Score >= 0.01);
        Assert.Equal("passed", details.RootElement.GetProperty("stopped").GetString());
        Assert.True(details.RootElement.GetProperty("steps").GetInt64() < 40);
    }

    [Fact]
    public void A_candidate_that_did_not_compile_is_a_failed_result()
    {
        var broken = Baselines.Gru with { Next = new[] { 999 }.ToEquatableArray() };
        using var batch = Compile(("broken", broken));
        var result = new CandidateEvaluator(Settings()).Evaluate(batch.Candidates[0], "xml", Setting, 1);
        Assert.Null(result.Score);
        Assert.StartsWith("invalid graph", result.Failure);
    }

    [Fact]
    public void A_diverging_candidate_is_a_failed_result_naming_the_divergence()
    {
        using var batch = Compile(("gru", Baselines.Gru));
        var result = new CandidateEvaluator(Settings()).Evaluate(batch.Candidates[0], "xml", new Hyperparameters(2.8f, 1e30f, 0f, 1), 1);
        Assert.Null(result.Score);
        Assert.StartsWith("diverged: ", result.Failure);
    }

    [Fact]
    public void A_candidate_that_overruns_its_time_budget_is_a_failed_result()
    {
        using var batch = Compile(("gru", Baselines.Gru));
        var result = new CandidateEvaluator(Settings(steps: 1000, seconds: 0.05)).Evaluate(batch.Candidates[0], "xml", Setting, 1);
        Assert.Null(result.Score);
        Assert.StartsWith("overran its budget: ", result.Failure);
    }

    [Fact]
    public void A_cell_that_throws_is_a_failed_result_not_an_error_of_the_search()
    {
        var throwing = new CompiledCandidate("bad", Baselines.Gru, 0.1, null, (i, h, s) => throw new InvalidOperationException("the cell refuses"));
        var result = new CandidateEvaluator(Settings()).Evaluate(throwing, "arith", Setting, 1);
        Assert.Equal("InvalidOperationException: the cell refuses", result.Failure);
        Assert.Equal(0.1, result.CompileSeconds);
    }

    [Fact]
    public void Hidden_sizes_match_the_grus_parameter_count_as_closely_as_any_size_can()
    {
        var evaluator = new CandidateEvaluator(Settings());
        int vocab = evaluator.Corpus("arith").Vocabulary.Count;
        long Count(string zoo, int h) => new LanguageModel(new LanguageModelConfig { VocabularySize = vocab, HiddenSize = h, Cells = [zoo] }).Parameters.Count;
        long target = Count("gru", 8);
        foreach (var (zoo, graph) in new[] { ("gru", Baselines.Gru), ("lstm", Baselines.Lstm), ("tanh", Baselines.Of("tanh")) })
        {
            int h = evaluator.HiddenSize(graph, "arith", 1);
            Assert.Equal(Count(zoo, h), ParameterMatching.ModelParameters(graph, 1, vocab, h));
            Assert.True(Math.Abs(Count(zoo, h) - target) <= Math.Abs(Count(zoo, h + 1) - target), $"{zoo}: {h + 1} is closer than {h}");
            if (h > 1) Assert.True(Math.Abs(Count(zoo, h) - target) <= Math.Abs(Count(zoo, h - 1) - target), $"{zoo}: {h - 1} is closer than {h}");
        }
        Assert.Equal(8, evaluator.HiddenSize(Baselines.Gru, "arith", 1));
        Assert.True(evaluator.HiddenSize(Baselines.Of("tanh"), "arith", 1) > 8);
        Assert.True(evaluator.HiddenSize(Baselines.Lstm, "arith", 1) < 8);
    }

    [Fact]
    public void Settings_are_drawn_from_the_grid_without_repeats_until_it_is_exhausted()
    {
        var grid = new HyperparameterGrid([0.3f, 1f], [0.5f], [5f, 10f], [1]);
        var tried = new HashSet<Hyperparameters>();
        var rng = new CellRandom(4);
        for (int i = 0; i < grid.Count; i++)
        {
            var h = grid.Draw(rng, tried);
            Assert.NotNull(h);
            Assert.True(tried.Add(h), $"{h} drawn twice");
            Assert.Equal(h, Hyperparameters.FromJson(h.ToJson()));
        }
        Assert.Null(grid.Draw(rng, tried));
        Assert.Equal(6 * 7 * 5 * 2, HyperparameterGrid.Paper.Count);
        Assert.Throws<FormatException>(() => Hyperparameters.FromJson("{\"InitScale\":0,\"LearningRate\":1,\"ClipNorm\":5,\"Layers\":1}"));
    }

    [Fact]
    public void Fitness_is_the_worst_ratio_to_the_gru_over_the_tasks()
    {
        var gru = new Dictionary<string, double> { ["arith"] = 0.8, ["xml"] = 0.5 };
        var best = Fitness.BestPerTask([("arith", 0.4), ("arith", 0.6), ("xml", 0.55), ("xml", null)]);
        Assert.Equal(0.6, best["arith"]);
        Assert.Equal(0.75, Fitness.Of(best, gru, ["arith", "xml"])!.Value, 12);
        Assert.Equal(0, Fitness.Of(new Dictionary<string, double> { ["arith"] = 0.9 }, gru, ["arith", "xml"]));
        Assert.Null(Fitness.Of(best, new Dictionary<string, double> { ["arith"] = 0.8 }, ["arith", "xml"]));
        Assert.True(Fitness.DropEarly(0.7, 0.8, 0.9));
        Assert.False(Fitness.DropEarly(0.75, 0.8, 0.9));
        Assert.True(Fitness.DropEarly(null, 0.8, 0.9));
    }

    [Fact]
    public void A_language_model_keeps_the_identity_a_linear_activation_starts_from()
    {
        var g = Baselines.Of("tanh");
        g = Search_linear(g);
        using var batch = Compile(("lin", g));
        var model = new LanguageModel(new LanguageModelConfig { VocabularySize = 5, HiddenSize = 6, Cells = ["lin"], InitScale = 0.05f },
            [batch.Candidates[0].Create]);
        var cell = model.Cells[0];
        var w = cell.ParameterLayout.Single(p => p.Init == CellDsl.InitKind.SmallPlusDiagonal);
        var values = cell.Parameters.Slice(w.Offset, w.Length).ToArray();
        for (int r = 0; r < w.Rows; r++)
            for (int c = 0; c < w.Columns; c++)
                Assert.InRange(values[r * w.Columns + c] - (r == c ? 1.1f : 0f), -0.05f, 0.05f);
    }

    // tanh(W x + W h + b) with its tanh replaced by Linear(1.1, ·).
    private static CellGraph Search_linear(CellGraph g)
    {
        int tanh = g.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Op == OpKind.Tanh).i;
        for (long s = 0; ; s++)
        {
            var edited = CellDsl.Search.Mutation.Mutator.Apply(g, tanh, CellDsl.Search.Mutation.MutationOperator.ChangeActivation, new CellRandom(s), out string what);
            if (what.EndsWith("Linear(1.1, x)")) return GraphRewrite.DropDeadNodes(edited);
        }
    }
}
