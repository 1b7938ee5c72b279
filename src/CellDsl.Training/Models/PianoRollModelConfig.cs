using System;

namespace CellDsl.Training.Models
{
    /// <summary>The shape of a <see cref="PianoRollModel"/>: what a checkpoint records to rebuild it.</summary>
    public sealed record PianoRollModelConfig
    {
        /// <summary>Labels per frame, the model's input and output width: 88 piano keys by default.</summary>
        public int Notes { get; init; } = Data.PianoRoll.Notes;

        /// <summary>Hidden size of every layer.</summary>
        public required int HiddenSize { get; init; }

        /// <summary>The cell of each layer, bottom first: zoo names, or labels of the factories given to the model.</summary>
        public required string[] Cells { get; init; }

        /// <summary>s of the uniform init U[−s, s].</summary>
        public float InitScale { get; init; } = 0.1f;

        /// <summary>Dropout between the layers and before the decoder (the frames themselves are not dropped).</summary>
        public float Dropout { get; init; }

        /// <summary>Seed of the parameter init.</summary>
        public int Seed { get; init; } = 1;

        /// <summary>Throws naming the first setting that cannot build a model.</summary>
        public void Validate()
        {
            if (Notes <= 0) throw new ArgumentException($"Notes must be positive, got {Notes}.");
            if (HiddenSize <= 0) throw new ArgumentException($"HiddenSize must be positive, got {HiddenSize}.");
            if (Cells == null || Cells.Length == 0) throw new ArgumentException("Cells must name at least one layer's cell.");
            if (!(InitScale >= 0f) || float.IsInfinity(InitScale)) throw new ArgumentException($"InitScale must be a finite value >= 0, got {InitScale}.");
            if (!(Dropout >= 0f && Dropout < 1f)) throw new ArgumentException($"Dropout must be in [0, 1), got {Dropout}.");
        }
    }
}
