using System;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// A lookup table E [V, D]: forward gathers row E[token] for each position, backward scatter-adds each position's
    /// gradient into the row it read (a token seen twice in a batch gets both contributions).
    /// </summary>
    public sealed class Embedding : IParameterized
    {
        private readonly float[] _weight;
        private readonly float[] _gradient;

        public Embedding(int vocabularySize, int dimension)
        {
            if (vocabularySize <= 0) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs at least one token.");
            if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The embedding dimension must be positive.");
            VocabularySize = vocabularySize;
            Dimension = dimension;
            _weight = new float[vocabularySize * dimension];
            _gradient = new float[_weight.Length];
        }

        public int VocabularySize { get; }
        public int Dimension { get; }

        public Span<float> Parameters => _weight;
        public Span<float> Gradients => _gradient;

        /// <summary>E itself, for a decoder that ties its weight to it.</summary>
        internal float[] WeightArray => _weight;
        internal float[] GradientArray => _gradient;

        public void ZeroGradients() => Array.Clear(_gradient);

        /// <summary>output[n] = E[tokens[n]] for every position n; output is [N, D].</summary>
        public void Forward(ReadOnlySpan<int> tokens, Span<float> output)
        {
            int d = Dimension;
            if (output.Length != tokens.Length * d)
                throw new ArgumentException($"output must be [N={tokens.Length}, D={d}] floats, got {output.Length}.", nameof(output));
            for (int n = 0; n < tokens.Length; n++)
                _weight.AsSpan(Row(tokens[n]), d).CopyTo(output.Slice(n * d, d));
        }

        /// <summary>dE[tokens[n]] += dOutput[n] for every position n.</summary>
        public void Backward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dOutput)
        {
            int d = Dimension;
            if (dOutput.Length != tokens.Length * d)
                throw new ArgumentException($"dOutput must be [N={tokens.Length}, D={d}] floats, got {dOutput.Length}.", nameof(dOutput));
            for (int n = 0; n < tokens.Length; n++)
            {
                var g = _gradient.AsSpan(Row(tokens[n]), d);
                System.Numerics.Tensors.TensorPrimitives.Add(g, dOutput.Slice(n * d, d), g);
            }
        }

        private int Row(int token)
        {
            if ((uint)token >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside the embedding's vocabulary of {VocabularySize}.");
            return token * Dimension;
        }
    }
}
