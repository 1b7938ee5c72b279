using System;
using System.Numerics.Tensors;
using CellDsl.Kernels;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// A multi-label output: logits = h·Wᵀ + b over all N rows as one <see cref="Sgemm"/> product, then one sigmoid per
    /// label and the binary cross-entropy summed over the labels, fused (<see cref="SigmoidCrossEntropy"/>). For a piano
    /// roll the labels are the 88 notes and a row's NLL is the frame's. W is [labels, H]. Like
    /// <see cref="SoftmaxDecoder"/>, Backward reuses the probabilities' buffer for dL/d logits.
    /// </summary>
    public sealed class SigmoidDecoder : IParameterized
    {
        private readonly float[] _parameters;   // [W (C×H) | b (C)]
        private readonly float[] _gradients;

        public SigmoidDecoder(int inputSize, int labels)
        {
            if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The decoder's input size must be positive.");
            if (labels <= 0) throw new ArgumentOutOfRangeException(nameof(labels), labels, "The decoder needs at least one label.");
            InputSize = inputSize;
            Labels = labels;
            _parameters = new float[labels * inputSize + labels];
            _gradients = new float[_parameters.Length];
        }

        public int InputSize { get; }
        public int Labels { get; }
        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public void ZeroGradients() => Array.Clear(_gradients);

        public Span<float> Weight => _parameters.AsSpan(0, Labels * InputSize);
        public Span<float> Bias => _parameters.AsSpan(Labels * InputSize, Labels);

        /// <summary>Logits [N, C] = h [N, H]·Wᵀ + b, then σ in place (logits becomes the probabilities) and nll[n], the
        /// binary cross-entropy of row n summed over its labels; returns Σ_n weight[n]·nll[n] in float64.</summary>
        public double Forward(float[] h, int rows, float[] logits, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, Span<float> nll)
        {
            Check(h, rows, logits, targets, weights);
            int H = InputSize, C = Labels;
            // The bias is added inside the sigmoid's row pass, saving a pass over [N, C].
            Sgemm.Multiply(false, true, rows, C, H, h, 0, H, _parameters, 0, H, logits, 0, C, accumulate: false);
            SigmoidCrossEntropy.Forward(logits, rows, C, Bias, targets, nll);
            double loss = 0;
            for (int n = 0; n < rows; n++) loss += (double)weights[n] * nll[n];
            return loss;
        }

        /// <summary>For L = scale·Σ_n weight[n]·nll[n]: turns the probabilities of the last Forward into dL/d logits in
        /// place, adds dW = dlogitsᵀ·h and db = Σ_n dlogits[n], and writes dh [N, H] = dlogits·W.</summary>
        public void Backward(float[] h, int rows, float[] probabilities, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, float scale, float[] dh)
        {
            Check(h, rows, probabilities, targets, weights);
            int H = InputSize, C = Labels;
            if (dh.Length < rows * H) throw new ArgumentException($"dh must hold [N={rows}, H={H}] floats, got {dh.Length}.", nameof(dh));
            SigmoidCrossEntropy.Backward(probabilities, rows, C, targets, weights, scale);
            Sgemm.Multiply(true, false, C, H, rows, probabilities, 0, C, h, 0, H, _gradients, 0, H, accumulate: true);
            var db = _gradients.AsSpan(C * H, C);
            for (int n = 0; n < rows; n++) TensorPrimitives.Add(db, probabilities.AsSpan(n * C, C), db);
            Sgemm.Multiply(false, false, rows, H, C, probabilities, 0, C, _parameters, 0, H, dh, 0, H, accumulate: false);
        }

        private void Check(float[] h, int rows, float[] logits, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights)
        {
            ArgumentNullException.ThrowIfNull(h);
            ArgumentNullException.ThrowIfNull(logits);
            if (h.Length < rows * InputSize) throw new ArgumentException($"h must hold [N={rows}, H={InputSize}] floats, got {h.Length}.", nameof(h));
            if (logits.Length < rows * Labels) throw new ArgumentException($"logits must hold [N={rows}, C={Labels}] floats, got {logits.Length}.", nameof(logits));
            if (targets.Length < rows * Labels) throw new ArgumentException($"targets must hold [N={rows}, C={Labels}] floats, got {targets.Length}.", nameof(targets));
            if (weights.Length < rows) throw new ArgumentException($"weights must hold {rows} floats, got {weights.Length}.", nameof(weights));
        }
    }
}
