using System;
using CellDsl.Kernels;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// The output layer: logits = h·Wᵀ + b over all N = T·B rows as one <see cref="Sgemm"/> product, then softmax and
    /// cross-entropy fused (<see cref="SoftmaxCrossEntropy"/>). W is [V, H]; with weight tying (Press &amp; Wolf 2017)
    /// it is the embedding's table, and its gradient goes into the embedding's gradient.
    /// </summary>
    public sealed class SoftmaxDecoder : IParameterized
    {
        private readonly float[] _parameters;   // [W (V×H) | b (V)], or [b] when tied
        private readonly float[] _gradients;
        private readonly float[] _weight, _dWeight;
        private readonly int _biasOffset;       // W starts at 0 of its array in both cases

        public SoftmaxDecoder(int inputSize, int vocabularySize)
        {
            if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The decoder's input size must be positive.");
            if (vocabularySize <= 0) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs at least one token.");
            InputSize = inputSize;
            VocabularySize = vocabularySize;
            _parameters = new float[vocabularySize * inputSize + vocabularySize];
            _gradients = new float[_parameters.Length];
            _weight = _parameters;
            _dWeight = _gradients;
            _biasOffset = vocabularySize * inputSize;
        }

        /// <summary>A decoder whose W is <paramref name="tied"/>'s table (its dimension is the decoder's input size).</summary>
        public SoftmaxDecoder(Embedding tied)
        {
            ArgumentNullException.ThrowIfNull(tied);
            InputSize = tied.Dimension;
            VocabularySize = tied.VocabularySize;
            Tied = true;
            _parameters = new float[VocabularySize];
            _gradients = new float[VocabularySize];
            _weight = tied.WeightArray;
            _dWeight = tied.GradientArray;
        }

        public int InputSize { get; }
        public int VocabularySize { get; }

        /// <summary>W is the embedding's; <see cref="Parameters"/> then holds only b.</summary>
        public bool Tied { get; }

        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public void ZeroGradients() => Array.Clear(_gradients);

        /// <summary>W [V, H] (the embedding's table when tied).</summary>
        public Span<float> Weight => _weight.AsSpan(0, VocabularySize * InputSize);
        public Span<float> Bias => _parameters.AsSpan(_biasOffset, VocabularySize);

        /// <summary>logits [N, V] = h [N, H] · Wᵀ + b.</summary>
        public void Logits(float[] h, int rows, float[] logits)
        {
            Project(h, rows, logits);
            RowOps.AddBias(logits, 0, VocabularySize, _parameters, _biasOffset, rows, VocabularySize);
        }

        /// <summary>logits [N, V] = h [N, H] · Wᵀ, without the bias.</summary>
        private void Project(float[] h, int rows, float[] logits)
        {
            int H = InputSize, V = VocabularySize;
            Sgemm.Multiply(false, true, rows, V, H, h, 0, H, _weight, 0, H, logits, 0, V, accumulate: false);
        }

        /// <summary>Logits, then softmax in place (logits becomes the probabilities [N, V]), nll[n] and correct[n] per
        /// row; returns Σ_n weight[n]·nll[n] in float64.</summary>
        public double Forward(float[] h, int rows, float[] logits, ReadOnlySpan<int> targets, ReadOnlySpan<float> weights,
            Span<float> nll, Span<bool> correct)
        {
            // The bias is added inside the softmax's row pass (the same sums as Logits), saving a pass over [N, V].
            Project(h, rows, logits);
            SoftmaxCrossEntropy.Forward(logits, rows, VocabularySize, Bias, targets, nll, correct);
            double loss = 0;
            for (int n = 0; n < rows; n++) loss += (double)weights[n] * nll[n];
            return loss;
        }

        /// <summary>For L = scale·Σ_n weight[n]·nll[n]: turns the probabilities of the last Forward into dL/d logits in
        /// place, adds dW = dlogitsᵀ·h and db = Σ_n dlogits[n], and writes dh [N, H] = dlogits·W.</summary>
        public void Backward(float[] h, int rows, float[] probabilities, ReadOnlySpan<int> targets, ReadOnlySpan<float> weights,
            float scale, float[] dh)
        {
            int H = InputSize, V = VocabularySize;
            // db = Σ_n dlogits[n] is summed inside the row pass that makes dlogits (the same sums, a pass fewer).
            SoftmaxCrossEntropy.Backward(probabilities, rows, V, targets, weights, scale, _gradients.AsSpan(_biasOffset, V));
            Sgemm.Multiply(true, false, V, H, rows, probabilities, 0, V, h, 0, H, _dWeight, 0, H, accumulate: true);
            Sgemm.Multiply(false, false, rows, H, V, probabilities, 0, V, _weight, 0, H, dh, 0, H, accumulate: false);
        }
    }
}
