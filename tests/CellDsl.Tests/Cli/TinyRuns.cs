using CellDsl.Cli.Runs;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;

namespace CellDsl.Tests.Cli;

/// <summary>Training runs small enough for a test (seconds in a Debug build), on the embedded XML task.</summary>
internal static class TinyRuns
{
    /// <summary>1x16 LSTM, T 10, B 8 over 8,008 XML symbols: 1,001 per stream, 100 windows an epoch. Dropout on, so the resumed run must restore the mask generator too.</summary>
    public static string[] Xml(string run, int epochs, params string[] more) => Xml(run, epochs, evaluateEvery: 0, more);

    public static string[] Xml(string run, int epochs, int evaluateEvery, params string[] more)
        => new[] { "train", "--preset", "xml", "--hidden", "16", "--steps", "10", "--batch", "8", "--task-tokens", "8008",
                   "--lr", "0.01", "--dropout", "0.1", "--epochs", epochs.ToString(), "--eval-every", evaluateEvery.ToString(), "--run", run }
           .Concat(more).ToArray();

    /// <summary>The run's trainer as its checkpoint left it.</summary>
    public static (RunConfig Config, Corpus Corpus, Trainer Trainer) Restore(string run)
    {
        var folder = RunFolder.Existing(run);
        var config = RunConfig.Read(folder.Config);
        var corpus = config.LoadCorpus();
        return (config, corpus, TrainingRun.Restore(config, corpus, folder));
    }

    public static int[] ParameterBits(Trainer trainer)
    {
        var p = new float[trainer.Model.Parameters.Count];
        trainer.Model.Parameters.CopyParametersTo(p);
        return p.Select(BitConverter.SingleToInt32Bits).ToArray();
    }

    /// <summary>Cross-entropy (nats per scored target) of the best context-free predictor: the training split's
    /// target frequencies, scored on <paramref name="stream"/>. A model that uses context must beat it.</summary>
    public static double UnigramLoss(TokenStream train, TokenStream stream)
    {
        var counts = new double[train.Vocabulary.Count];
        double total = 0;
        for (int i = 0; i + 1 < train.Length; i++)
            if (train.Scored is null || train.Scored[i + 1]) { counts[train.Tokens[i + 1]]++; total++; }
        double nll = 0;
        long n = 0;
        for (int i = 0; i + 1 < stream.Length; i++)
            if (stream.Scored is null || stream.Scored[i + 1])
            {
                // Add-one smoothing keeps a target unseen in training finite.
                nll -= Math.Log((counts[stream.Tokens[i + 1]] + 1) / (total + counts.Length));
                n++;
            }
        return nll / n;
    }
}
