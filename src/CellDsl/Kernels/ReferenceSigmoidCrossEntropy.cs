using System;

namespace CellDsl.Kernels
{
    /// <summary>Sigmoid and binary cross-entropy in float64, by the definition: the oracle for <see cref="SigmoidCrossEntropy"/>.</summary>
    public static class ReferenceSigmoidCrossEntropy
    {
        /// <summary>p = σ(z) [N, C] and nll[r] = Σ_j −y·log p − (1−y)·log(1 − p), with log p = −log(1 + e^−z) so that
        /// large |z| stays finite.</summary>
        public static void Forward(ReadOnlySpan<float> logits, int rows, int classes, ReadOnlySpan<float> targets, double[] probabilities, double[] nll)
        {
            for (int r = 0; r < rows; r++)
            {
                double sum = 0;
                for (int j = 0; j < classes; j++)
                {
                    double z = logits[r * classes + j], y = targets[r * classes + j];
                    double logP = -LogOnePlusExp(-z), logQ = -LogOnePlusExp(z);   // log σ(z), log(1 − σ(z))
                    probabilities[r * classes + j] = Math.Exp(logP);
                    sum += -y * logP - (1 - y) * logQ;
                }
                nll[r] = sum;
            }
        }

        /// <summary>d logits = weight·scale·(σ(z) − y), from the logits themselves.</summary>
        public static double[] Backward(ReadOnlySpan<float> logits, int rows, int classes, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, double scale)
        {
            var d = new double[rows * classes];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < classes; j++)
                {
                    int i = r * classes + j;
                    d[i] = weights[r] * scale * (Math.Exp(-LogOnePlusExp(-logits[i])) - targets[i]);
                }
            return d;
        }

        private static double LogOnePlusExp(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
    }
}
