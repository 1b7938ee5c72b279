using System;
using System.Text.Json.Serialization;
using CellDsl.Training.Data;

namespace CellDsl.Training.Bptt
{
    /// <summary>
    /// One evaluation of a split with teacher forcing and no dropout: Σ NLL over the scored targets, their count and
    /// how many were the model's most probable token. The figures follow ../docs/TRAINING.md (and papers.md).
    /// </summary>
    public sealed record Evaluation(string Split, int Epoch, long Step, double TotalNll, long ScoredTokens, long Correct)
    {
        /// <summary>Mean NLL per scored token (natural log).</summary>
        [JsonIgnore] public double MeanNll => ScoredTokens > 0 ? TotalNll / ScoredTokens : double.NaN;

        /// <summary>exp(mean NLL): word perplexity, &lt;eos&gt; counted as a token.</summary>
        [JsonIgnore] public double Perplexity => Math.Exp(MeanNll);

        /// <summary>mean NLL / ln 2.</summary>
        [JsonIgnore] public double BitsPerCharacter => MeanNll / Math.Log(2);

        /// <summary>Next-step accuracy: the fraction of scored targets that were the first argmax of the prediction.</summary>
        [JsonIgnore] public double Accuracy => ScoredTokens > 0 ? (double)Correct / ScoredTokens : double.NaN;

        /// <summary>The figure a corpus reports.</summary>
        public double Value(Metric metric) => metric switch
        {
            Metric.Perplexity => Perplexity,
            Metric.BitsPerCharacter => BitsPerCharacter,
            Metric.Accuracy => Accuracy,
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
        };
    }

    /// <summary>What each training step reports (a struct: reporting allocates nothing).</summary>
    /// <param name="Epoch">0-based epoch of the window just trained.</param>
    /// <param name="Window">0-based window within the epoch.</param>
    /// <param name="WindowsPerEpoch">Windows in one epoch.</param>
    /// <param name="Step">0-based count of the step over the whole run.</param>
    /// <param name="Loss">The window's mean NLL per scored target.</param>
    /// <param name="GradientNorm">‖g‖₂ of the window's loss (summed over steps, averaged over the batch) before clipping.</param>
    /// <param name="LearningRate">The rate the step used.</param>
    /// <param name="ScoredTokens">Scored targets in the window.</param>
    public readonly record struct TrainingProgress(int Epoch, int Window, int WindowsPerEpoch, long Step, double Loss,
        double GradientNorm, float LearningRate, long ScoredTokens);

    /// <summary>Training met a NaN or ±∞; thrown before the optimizer step, so the parameters are the last good ones
    /// (the carried hidden states are the failed window's: load a checkpoint to continue).</summary>
    public sealed class TrainingDivergedException : Exception
    {
        public TrainingDivergedException(int epoch, int window, long step, string quantity, double value)
            : base($"Training diverged at epoch {epoch + 1}, window {window + 1} (step {step + 1}): the {quantity} is {value}. " +
                   "The parameters were not updated; resume from the last checkpoint with a smaller learning rate or a tighter clip.")
        {
            Epoch = epoch;
            Window = window;
            Step = step;
            Quantity = quantity;
        }

        /// <summary>0-based epoch, window and step of the failing window (the message counts from 1).</summary>
        public int Epoch { get; }
        public int Window { get; }
        public long Step { get; }

        /// <summary>"loss" or "gradient norm".</summary>
        public string Quantity { get; }
    }
}
