using System;

namespace CellDsl.Kernels
{
    /// <summary>The textbook softmax and cross-entropy in float64: the oracle for <see cref="SoftmaxCrossEntropy"/>.</summary>
    public static class ReferenceSoftmaxCrossEntropy
    {
        /// <summary>Per row: nll = log Σ exp(z) − z[target] (max-shifted), correct = first argmax == target.</summary>
        public static void Forward(ReadOnlySpan<float> logits, int rows, int classes, ReadOnlySpan<int> targets, double[] nll, bool[] correct)
        {
            for (int r = 0; r < rows; r++)
            {
                var row = logits.Slice(r * classes, classes);
                int argmax = 0;
                for (int j = 1; j < classes; j++) if (row[j] > row[argmax]) argmax = j;
                double max = row[argmax], sum = 0;
                for (int j = 0; j < classes; j++) sum += Math.Exp(row[j] - max);
                nll[r] = Math.Log(sum) - (row[targets[r]] - max);
                correct[r] = argmax == targets[r];
            }
        }

        /// <summary>d logits = weight·scale·(softmax(z) − onehot(target)), from the logits themselves.</summary>
        public static double[] Backward(ReadOnlySpan<float> logits, int rows, int classes, ReadOnlySpan<int> targets, ReadOnlySpan<float> weights, double scale)
        {
            var d = new double[rows * classes];
            for (int r = 0; r < rows; r++)
            {
                var row = logits.Slice(r * classes, classes);
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < classes; j++) max = Math.Max(max, row[j]);
                for (int j = 0; j < classes; j++) sum += Math.Exp(row[j] - max);
                double w = weights[r] * scale;
                for (int j = 0; j < classes; j++)
                    d[r * classes + j] = w * (Math.Exp(row[j] - max) / sum - (j == targets[r] ? 1 : 0));
            }
            return d;
        }
    }
}
