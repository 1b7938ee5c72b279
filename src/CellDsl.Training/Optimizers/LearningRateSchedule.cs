using System;

namespace CellDsl.Training.Optimizers
{
    /// <summary>
    /// Zaremba et al.'s schedule: the initial rate for the first <see cref="ConstantEpochs"/> epochs, then divided by
    /// <see cref="Decay"/> at the start of each later epoch (small: 1, 4, 2 gives 1, 1, 1, 1, 0.5, 0.25, ...).
    /// </summary>
    public sealed record LearningRateSchedule
    {
        public LearningRateSchedule(float initial, int constantEpochs, float decay)
        {
            if (!(initial > 0f) || float.IsInfinity(initial)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "The learning rate must be positive and finite.");
            if (constantEpochs < 0) throw new ArgumentOutOfRangeException(nameof(constantEpochs), constantEpochs, "The epochs at the initial rate cannot be negative.");
            if (!(decay >= 1f) || float.IsInfinity(decay)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay divides the rate each epoch: it must be >= 1 (1: constant).");
            Initial = initial;
            ConstantEpochs = constantEpochs;
            Decay = decay;
        }

        public float Initial { get; }
        public int ConstantEpochs { get; }
        public float Decay { get; }

        /// <summary>The rate of epoch <paramref name="epoch"/> (0-based): Initial / Decay^max(0, epoch + 1 − ConstantEpochs).</summary>
        public float Rate(int epoch) => (float)(Initial / Math.Pow(Decay, Math.Max(0, epoch + 1 - ConstantEpochs)));
    }
}
