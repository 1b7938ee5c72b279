using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CellDsl.Kernels
{
    /// <summary>
    /// Independent sigmoids and their binary cross-entropy fused over the rows of a logits block [N, C] with a 0/1
    /// (or soft) target per element: the multi-label output of a piano roll, one sigmoid per note. Forward turns each
    /// logit into its probability σ(z) in place and gives each row's NLL, Σ_j −y·log σ(z) − (1−y)·log(1−σ(z)), in the
    /// stable form Σ_j max(z, 0) − y·z + log(1 + e^−|z|); Backward turns the probabilities into dL/d logits in place.
    /// Rows split between the caller and the worker thread as in <see cref="SoftmaxCrossEntropy"/>, same bits either way.
    /// </summary>
    public static unsafe class SigmoidCrossEntropy
    {
        /// <summary>Row r of <paramref name="logits"/> (+ <paramref name="bias"/>, one value per class; empty: none)
        /// becomes σ(row r); nll[r] = the row's binary cross-entropy against targets [N, C].</summary>
        public static void Forward(Span<float> logits, int rows, int classes, ReadOnlySpan<float> bias, ReadOnlySpan<float> targets, Span<float> nll)
        {
            Check(logits.Length, rows, classes, targets);
            if (nll.Length < rows) throw new ArgumentException($"nll must hold {rows} floats, got {nll.Length}.", nameof(nll));
            if (!bias.IsEmpty && bias.Length != classes) throw new ArgumentException($"bias must be empty or hold {classes} floats, got {bias.Length}.", nameof(bias));
            fixed (float* z = logits, y = targets, l = nll, b = bias)
            {
                var job = new Rows { Z = z, Bias = b, Targets = y, Nll = l, Classes = classes };
                Worker.RunRows(&job, &ForwardRows, rows, classes);
            }
        }

        /// <summary>Row r of <paramref name="probabilities"/> (Forward's output) becomes weight[r]·scale·(σ(z) − y):
        /// dL/d logits of L = scale·Σ_r weight[r]·nll[r].</summary>
        public static void Backward(Span<float> probabilities, int rows, int classes, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, float scale)
        {
            Check(probabilities.Length, rows, classes, targets);
            if (weights.Length < rows) throw new ArgumentException($"weights must hold {rows} floats, got {weights.Length}.", nameof(weights));
            fixed (float* p = probabilities, y = targets, w = weights)
            {
                var job = new Rows { Z = p, Targets = y, Weights = w, Classes = classes, Scale = scale };
                Worker.RunRows(&job, &BackwardRows, rows, classes);
            }
        }

        private struct Rows
        {
            public float* Z, Bias, Targets, Nll, Weights;
            public int Classes;
            public float Scale;
        }

        // The log term is taken once per lane of a product rather than once per element: Π(1 + e^−|z|) over at most
        // FoldEvery elements per lane is below 2^FoldEvery, far from overflow, and log(Π) = Σ log.
        private const int FoldEvery = 32;

        private static void ForwardRows(void* args, int lo, int hi)
        {
            var j = (Rows*)args;
            int C = j->Classes;
            for (int r = lo; r < hi; r++)
            {
                float* z = j->Z + (long)r * C, y = j->Targets + (long)r * C, b = j->Bias;
                double linear = 0, logs = 0;
                int c = 0;
                if (Vector256.IsHardwareAccelerated && C >= Vector256<float>.Count)
                {
                    var lin = Vector256<float>.Zero;
                    var product = Vector256<float>.One;
                    int folded = 0;
                    for (; c + Vector256<float>.Count <= C; c += Vector256<float>.Count)
                    {
                        var v = Vector256.Load(z + c);
                        if (b != null) v += Vector256.Load(b + c);
                        var e = Activations.Exp(-Vector256.Abs(v));
                        var s = Vector256<float>.One / (Vector256<float>.One + e);
                        // σ(z) = 1/(1 + e^−z) for z ≥ 0 and e^z/(1 + e^z) below: neither overflows.
                        Vector256.Store(Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), s, e * s), z + c);
                        lin += Vector256.Max(v, Vector256<float>.Zero) - Vector256.Load(y + c) * v;
                        product *= Vector256<float>.One + e;
                        if (++folded == FoldEvery) { logs += LogLanes(product); product = Vector256<float>.One; folded = 0; }
                    }
                    linear += Vector256.Sum(lin);
                    logs += LogLanes(product);
                }
                for (; c < C; c++)
                {
                    float v = z[c] + (b != null ? b[c] : 0f);
                    float e = MathF.Exp(-MathF.Abs(v)), s = 1f / (1f + e);
                    z[c] = v >= 0f ? s : e * s;
                    linear += MathF.Max(v, 0f) - y[c] * v;
                    logs += MathF.Log(1f + e);
                }
                j->Nll[r] = (float)(linear + logs);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double LogLanes(Vector256<float> product)
        {
            double sum = 0;
            for (int k = 0; k < Vector256<float>.Count; k++) sum += MathF.Log(product[k]);
            return sum;
        }

        private static void BackwardRows(void* args, int lo, int hi)
        {
            var j = (Rows*)args;
            int C = j->Classes;
            for (int r = lo; r < hi; r++)
            {
                var p = new Span<float>(j->Z + (long)r * C, C);
                float w = j->Weights[r] * j->Scale;
                if (w == 0f) { p.Clear(); continue; }
                var y = new ReadOnlySpan<float>(j->Targets + (long)r * C, C);
                System.Numerics.Tensors.TensorPrimitives.Subtract(p, y, p);
                System.Numerics.Tensors.TensorPrimitives.Multiply(p, w, p);
            }
        }

        private static void Check(int length, int rows, int classes, ReadOnlySpan<float> targets)
        {
            if (rows < 0 || classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"rows must be >= 0 and classes > 0, got {rows} and {classes}.");
            if (length < (long)rows * classes) throw new ArgumentException($"The logits must hold [N={rows}, C={classes}] = {(long)rows * classes} floats, got {length}.");
            if (targets.Length < (long)rows * classes) throw new ArgumentException($"targets must hold [N={rows}, C={classes}] floats, got {targets.Length}.", nameof(targets));
        }
    }
}
