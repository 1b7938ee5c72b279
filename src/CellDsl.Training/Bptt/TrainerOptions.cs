using System;
using CellDsl.Training.Optimizers;

namespace CellDsl.Training.Bptt
{
    /// <summary>How a <see cref="Trainer"/> runs; Zaremba's small config by default. The rate is that of the loss
    /// summed over a window's steps and averaged over the batch (see <see cref="Models.LanguageModel"/>).</summary>
    public sealed record TrainerOptions : OptimizationOptions
    {
        public TrainerOptions()
        {
            Epochs = 13;
            LearningRate = 1f;
            ConstantEpochs = 4;
            Decay = 2f;
        }

        /// <summary>T: steps per window of truncated BPTT.</summary>
        public int Steps { get; init; } = 20;

        /// <summary>B: parallel streams.</summary>
        public int Batch { get; init; } = 20;

        /// <summary>Windows of evaluation: T and B (0: the training ones). The TensorFlow PTB tutorial runs its test split with 1 and 1.</summary>
        public int EvaluationSteps { get; init; }
        public int EvaluationBatch { get; init; }

        public override void Validate()
        {
            if (Steps <= 0) throw new ArgumentException($"Steps must be positive, got {Steps}.");
            if (Batch <= 0) throw new ArgumentException($"Batch must be positive, got {Batch}.");
            if (EvaluationSteps < 0 || EvaluationBatch < 0) throw new ArgumentException($"EvaluationSteps and EvaluationBatch must be positive (or 0 for the training ones), got {EvaluationSteps} and {EvaluationBatch}.");
            base.Validate();
        }
    }
}
