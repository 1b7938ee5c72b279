using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CellDsl.Kernels;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

namespace CellDsl.Benchmarks;

/// <summary>One whole training step (embedding → 2 LSTM layers → decoder → loss → backward → clip → SGD update) at
/// Zaremba's small (2×200, T=20, B=20, V=10k) and medium (2×650, T=35, B=20, dropout 0.5) shapes, on random tokens.
/// One op = one window of T·B tokens; allocations should be 0 B.</summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Trainer _trainer = null!;

    [Params("small", "medium")]
    public string Shape { get; set; } = "small";

    [GlobalSetup]
    public void Setup()
    {
        _trainer = TrainingStep.Create(Shape);
        _trainer.Train(3);
    }

    [Benchmark]
    public void Step() => _trainer.TrainWindow();
}

/// <summary>The trainer of one benchmark shape, and a quick tokens/s loop for it.</summary>
public static class TrainingStep
{
    public static Trainer Create(string shape)
    {
        var (hidden, steps, dropout) = shape switch
        {
            "small" => (200, 20, 0f),
            "medium" => (650, 35, 0.5f),
            _ => throw new ArgumentException($"Unknown shape '{shape}': small or medium."),
        };
        const int vocabulary = 10_000, batch = 20;
        var vocab = new Vocabulary(Enumerable.Range(0, vocabulary).Select(i => "w" + i), " ");
        var tokens = new int[batch * (steps * 50 + 1)];
        var rng = new CellRandom(3);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (int)(rng.NextUInt64() % vocabulary);
        var model = new LanguageModel(new LanguageModelConfig { VocabularySize = vocabulary, HiddenSize = hidden, Cells = new[] { "lstm", "lstm" }, Dropout = dropout });
        return new Trainer(model, new TokenStream("random", vocab, tokens), new TrainerOptions { Steps = steps, Batch = batch, Epochs = int.MaxValue });
    }

    /// <summary>Prints one JSON line per shape: tokens per second of whole training steps over about <paramref name="budget"/> seconds.</summary>
    public static void Run(IEnumerable<string> shapes, double budget, TextWriter output)
    {
        foreach (string shape in shapes)
        {
            var trainer = Create(shape);
            trainer.Train(3);
            var clock = Stopwatch.StartNew();
            int windows = 0;
            do { trainer.TrainWindow(); windows++; } while (clock.Elapsed.TotalSeconds < budget);
            double seconds = clock.Elapsed.TotalSeconds, tokens = (double)windows * trainer.Options.Steps * trainer.Options.Batch;
            output.WriteLine(FormattableString.Invariant($"{{\"impl\":\"celldsl\",\"kind\":\"train-step\",\"shape\":\"{shape}\",\"threads\":{Sgemm.Threads},\"tokens_per_s\":{tokens / seconds:F0},\"ms_per_step\":{1000 * seconds / windows:F2}}}"));
        }
    }
}
