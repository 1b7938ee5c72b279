using System;
using System.Text.Json.Serialization;

namespace CellDsl.Training.Bptt
{
    /// <summary>How a <see cref="Trainer"/> runs; Zaremba's small config by default.</summary>
    public sealed record TrainerOptions
    {
        /// <summary>T: steps per window of truncated BPTT.</summary>
        public int Steps { get; init; } = 20;

        /// <summary>B: parallel streams.</summary>
        public int Batch { get; init; } = 20;

        public int Epochs { get; init; } = 13;

        /// <summary>The rate of the loss summed over a window's steps and averaged over the batch (see <see cref="Models.LanguageModel"/>).</summary>
        public float LearningRate { get; init; } = 1f;

        /// <summary>Epochs at the initial rate before it decays.</summary>
        public int ConstantEpochs { get; init; } = 4;

        /// <summary>The rate is divided by this at each later epoch.</summary>
        public float Decay { get; init; } = 2f;

        /// <summary>Global-norm clip of the same loss's gradient; 0: none.</summary>
        public float ClipNorm { get; init; } = 5f;

        /// <summary>"sgd" or "adam" (β₁ 0.9, β₂ 0.999, ε 1e-8; its rate is the same LearningRate and schedule).</summary>
        public string Optimizer { get; init; } = "sgd";

        /// <summary>Windows of evaluation: T and B (0: the training ones). The TensorFlow PTB tutorial runs its test split with 1 and 1.</summary>
        public int EvaluationSteps { get; init; }
        public int EvaluationBatch { get; init; }

        /// <summary>Seed of the dropout masks (the parameter init has the model config's seed).</summary>
        public int Seed { get; init; } = 1;

        public void Validate()
        {
            if (Steps <= 0) throw new ArgumentException($"Steps must be positive, got {Steps}.");
            if (Batch <= 0) throw new ArgumentException($"Batch must be positive, got {Batch}.");
            if (EvaluationSteps < 0 || EvaluationBatch < 0) throw new ArgumentException($"EvaluationSteps and EvaluationBatch must be positive (or 0 for the training ones), got {EvaluationSteps} and {EvaluationBatch}.");
            if (Epochs <= 0) throw new ArgumentException($"Epochs must be positive, got {Epochs}.");
            if (!(ClipNorm >= 0f)) throw new ArgumentException($"ClipNorm must be >= 0 (0: no clipping), got {ClipNorm}.");
            if (Optimizer is not ("sgd" or "adam")) throw new ArgumentException($"Optimizer must be \"sgd\" or \"adam\", got \"{Optimizer}\".");
            _ = Schedule;
        }

        [JsonIgnore] public Optimizers.LearningRateSchedule Schedule => new(LearningRate, ConstantEpochs, Decay);
    }
}
