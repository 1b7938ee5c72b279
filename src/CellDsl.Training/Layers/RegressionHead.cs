using System;
using System.Numerics.Tensors;
using CellDsl.Kernels;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// A linear output y = h·Wᵀ + b over N rows (one per sequence after pooling, or one per step) with the squared
    /// error L = scale·Σ_n w[n]·Σ_j (y[n,j] − target[n,j])²; scale = 1/(Σw·outputs) makes it the mean squared error.
    /// W is [outputs, H]. Like <see cref="SoftmaxDecoder"/>, Backward reuses the predictions' buffer for dL/dy.
    /// </summary>
    public sealed class RegressionHead : IParameterized
    {
        private readonly float[] _parameters;   // [W (O×H) | b (O)]
        private readonly float[] _gradients;

        public RegressionHead(int inputSize, int outputs)
        {
            if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The head's input size must be positive.");
            if (outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "The head needs at least one output.");
            InputSize = inputSize;
            Outputs = outputs;
            _parameters = new float[outputs * inputSize + outputs];
            _gradients = new float[_parameters.Length];
        }

        public int InputSize { get; }
        public int Outputs { get; }
        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public void ZeroGradients() => Array.Clear(_gradients);

        public Span<float> Weight => _parameters.AsSpan(0, Outputs * InputSize);
        public Span<float> Bias => _parameters.AsSpan(Outputs * InputSize, Outputs);

        /// <summary>predictions [N, O] = h [N, H]·Wᵀ + b.</summary>
        public void Predict(float[] h, int rows, float[] predictions)
        {
            Check(h, rows, predictions);
            int H = InputSize, O = Outputs;
            Sgemm.Multiply(false, true, rows, O, H, h, 0, H, _parameters, 0, H, predictions, 0, O, accumulate: false);
            RowOps.AddBias(predictions, 0, O, _parameters, O * H, rows, O);
        }

        /// <summary>Predicts, then returns Σ_n w[n]·Σ_j (y − target)² in float64.</summary>
        public double Forward(float[] h, int rows, float[] predictions, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights)
        {
            Predict(h, rows, predictions);
            CheckTargets(rows, targets, weights);
            int O = Outputs;
            double loss = 0;
            for (int n = 0; n < rows; n++)
            {
                if (weights[n] == 0f) continue;
                double s = 0;
                for (int j = 0; j < O; j++) { double e = predictions[n * O + j] - targets[n * O + j]; s += e * e; }
                loss += weights[n] * s;
            }
            return loss;
        }

        /// <summary>For L = scale·Σ w·(y − target)²: turns the predictions of the last Forward into dL/dy in place,
        /// adds dW = dyᵀ·h and db = Σ_n dy[n], and writes dh [N, H] = dy·W.</summary>
        public void Backward(float[] h, int rows, float[] predictions, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, float scale, float[] dh)
        {
            Check(h, rows, predictions);
            CheckTargets(rows, targets, weights);
            int H = InputSize, O = Outputs;
            for (int n = 0; n < rows; n++)
                for (int j = 0; j < O; j++)
                    predictions[n * O + j] = 2f * scale * weights[n] * (predictions[n * O + j] - targets[n * O + j]);
            Sgemm.Multiply(true, false, O, H, rows, predictions, 0, O, h, 0, H, _gradients, 0, H, accumulate: true);
            var db = _gradients.AsSpan(O * H, O);
            for (int n = 0; n < rows; n++) TensorPrimitives.Add(db, predictions.AsSpan(n * O, O), db);
            Sgemm.Multiply(false, false, rows, H, O, predictions, 0, O, _parameters, 0, H, dh, 0, H, accumulate: false);
        }

        private void Check(float[] h, int rows, float[] predictions)
        {
            ArgumentNullException.ThrowIfNull(h);
            ArgumentNullException.ThrowIfNull(predictions);
            if (h.Length < rows * InputSize) throw new ArgumentException($"h must hold [N={rows}, H={InputSize}] floats, got {h.Length}.", nameof(h));
            if (predictions.Length < rows * Outputs) throw new ArgumentException($"predictions must hold [N={rows}, O={Outputs}] floats, got {predictions.Length}.", nameof(predictions));
        }

        private void CheckTargets(int rows, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights)
        {
            if (targets.Length < rows * Outputs) throw new ArgumentException($"targets must hold [N={rows}, O={Outputs}] floats, got {targets.Length}.", nameof(targets));
            if (weights.Length < rows) throw new ArgumentException($"weights must hold {rows} floats, got {weights.Length}.", nameof(weights));
        }
    }
}
