// A cell of one's own, declared in five lines and trained as a character-level language model: the generator
// verified its equations and emitted its forward and backward at compile time, so the training engine takes it
// as it takes the zoo's cells.   dotnet run -c Release --project samples/CustomCellTraining -- [WINDOWS]
using CellDsl;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Models;
using static CellDsl.CellOps;

var (first, last) = CustomCellRun.Train(args.Length > 0 ? int.Parse(args[0]) : 300, Console.WriteLine);
Console.WriteLine($"bits per character: {first:F2} in the first window, {last:F2} over the last ten");

public static class CustomCellRun
{
    public const string Text = "Twinkle, twinkle, little star, how I wonder what you are! Up above the world so high, like a diamond in the sky. ";

    public static (double First, double Last) Train(int windows, Action<string>? log = null)
    {
        var chars = Text.Select(c => c.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();
        var vocabulary = new Vocabulary(chars, separator: "");
        var text = new TokenStream("rhyme", vocabulary, string.Concat(Enumerable.Repeat(Text, 20)).Select(c => vocabulary.Id(c.ToString())).ToArray());
        var config = new LanguageModelConfig { VocabularySize = vocabulary.Count, HiddenSize = 64, Cells = ["minimal-gated"], InitScale = 0.1f };
        var model = new LanguageModel(config, [(input, hidden, seed) => new MinimalGated(input, hidden, seed)]);
        var trainer = new Trainer(model, text, new TrainerOptions { Steps = 25, Batch = 8, Optimizer = "adam", LearningRate = 3e-3f, Epochs = 1000, ConstantEpochs = 1000 });
        var bits = new List<double>();
        trainer.Progress += p => { bits.Add(p.Loss / Math.Log(2)); if (p.Step % 50 == 0) log?.Invoke($"window {p.Step}: {bits[^1]:F2} bits/char"); };
        trainer.Train(windows);
        return (bits[0], bits.TakeLast(10).Average());
    }
}

/// <summary>The minimal gated unit (Zhou et al. 2016): one forget gate f both resets and updates the state.</summary>
[RnnCell]
public partial class MinimalGated
{
    static void Step(Var x, ref Var h)
    {
        var f = Sigmoid(W(x) + W(h) + B());
        var g = Tanh(W(x) + W(f * h) + B());
        h = (1f - f) * h + f * g;
    }
}
