using System;
using System.Text.Json.Serialization;

namespace CellDsl.Training.Models
{
    /// <summary>The shape of a <see cref="LanguageModel"/>: what a checkpoint records to rebuild it.</summary>
    public sealed record LanguageModelConfig
    {
        public required int VocabularySize { get; init; }

        /// <summary>Hidden size of every layer.</summary>
        public required int HiddenSize { get; init; }

        /// <summary>The cell of each layer, bottom first: zoo names (<c>CellDsl.Zoo.CellZoo</c>), or labels of the
        /// factories given to the model's constructor.</summary>
        public required string[] Cells { get; init; }

        /// <summary>Embedding dimension; 0 means the hidden size (which weight tying requires).</summary>
        public int EmbeddingSize { get; init; }

        /// <summary>s of the uniform init U[−s, s] (Zaremba: 0.1 small, 0.05 medium, 0.04 large).</summary>
        public float InitScale { get; init; } = 0.1f;

        /// <summary>Dropout probability on the non-recurrent connections (0.5 medium, 0.65 large).</summary>
        public float Dropout { get; init; }

        /// <summary>Decoder W = embedding table (Press &amp; Wolf 2017).</summary>
        public bool TieWeights { get; init; }

        /// <summary>Seed of the parameter init.</summary>
        public int Seed { get; init; } = 1;

        [JsonIgnore] public int Embedding => EmbeddingSize > 0 ? EmbeddingSize : HiddenSize;

        /// <summary>Throws naming the first setting that cannot build a model.</summary>
        public void Validate()
        {
            if (VocabularySize <= 0) throw new ArgumentException($"VocabularySize must be positive, got {VocabularySize}.");
            if (HiddenSize <= 0) throw new ArgumentException($"HiddenSize must be positive, got {HiddenSize}.");
            if (EmbeddingSize < 0) throw new ArgumentException($"EmbeddingSize must be positive (or 0 for the hidden size), got {EmbeddingSize}.");
            if (Cells == null || Cells.Length == 0) throw new ArgumentException("Cells must name at least one layer's cell.");
            if (!(InitScale >= 0f) || float.IsInfinity(InitScale)) throw new ArgumentException($"InitScale must be a finite value >= 0, got {InitScale}.");
            if (!(Dropout >= 0f && Dropout < 1f)) throw new ArgumentException($"Dropout must be in [0, 1), got {Dropout}.");
            if (TieWeights && Embedding != HiddenSize)
                throw new ArgumentException($"TieWeights needs the embedding size ({Embedding}) to equal the hidden size ({HiddenSize}): the decoder reads the embedding table as its weight.");
        }
    }
}
