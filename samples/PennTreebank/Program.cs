// Trains Zaremba et al. (2014)'s small model (2 x 200 LSTM, T = 20, B = 20, 13 epochs, lr 1 halved after epoch 4,
// clip 5, init U[-0.1, 0.1], no dropout) on Penn Treebank through the library API, evaluates valid after every
// epoch and test at the end. A checkpoint after each epoch makes the run resumable: run the same command again.
//   dotnet run -c Release --project samples/PennTreebank -- PTB_FOLDER [RUN_FOLDER] [CELL]
using System.Diagnostics;
using CellDsl.Training.Bptt;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

string folder = args.Length > 0 ? args[0]
    : Environment.GetEnvironmentVariable("CELLDSL_DATA") is { Length: > 0 } data ? Path.Combine(data, "ptb")
    : throw new ArgumentException("Give the folder holding ptb.train.txt, ptb.valid.txt and ptb.test.txt (or set CELLDSL_DATA).");
string run = args.Length > 1 ? args[1] : "ptb-small";
string cell = args.Length > 2 ? args[2] : "lstm";
Directory.CreateDirectory(run);
string checkpoint = Path.Combine(run, "checkpoint.ckpt");

var corpus = PennTreebank.Load(folder);
var model = new LanguageModel(new LanguageModelConfig
{
    VocabularySize = corpus.Vocabulary.Count, HiddenSize = 200, Cells = [cell, cell], InitScale = 0.1f,
});
// Zaremba's small config is TrainerOptions' default; evaluation runs one continuous stream (B = 1).
var trainer = new Trainer(model, corpus.Train, new TrainerOptions { EvaluationSteps = 35, EvaluationBatch = 1 });
if (File.Exists(checkpoint))
{
    Checkpoint.Load(checkpoint, trainer);
    Console.WriteLine($"resumed at epoch {trainer.Epoch + 1}, step {trainer.Step}");
}

using var log = File.AppendText(Path.Combine(run, "log.txt"));
void Say(string line) { Console.WriteLine(line); log.WriteLine(line); log.Flush(); }

var clock = Stopwatch.StartNew();
while (!trainer.Finished)
{
    int epoch = trainer.Epoch;
    var start = clock.Elapsed;
    long tokens = 0;
    trainer.Progress += Count;
    trainer.TrainEpoch();
    trainer.Progress -= Count;
    var seconds = (clock.Elapsed - start).TotalSeconds;
    var valid = trainer.Evaluate(corpus.Valid, "valid");
    Checkpoint.Save(checkpoint, trainer);
    Say($"epoch {epoch + 1}: lr {trainer.Schedule.Rate(epoch)}, valid perplexity {valid.Perplexity:F2}, " +
        $"{tokens / seconds:F0} tokens/s, {seconds:F0} s");

    void Count(TrainingProgress p) => tokens += p.ScoredTokens;
}
var test = trainer.Evaluate(corpus.Test, "test");
Say($"test perplexity {test.Perplexity:F2} ({trainer.Step} steps)");
