using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CellDsl.Kernels
{
    /// <summary>
    /// Softmax and cross-entropy fused over the rows of a logits block [N, V] with one integer target per row.
    /// Forward turns each row of logits into its probabilities in place (one exp per element) and gives the row's
    /// NLL and whether its first argmax is the target; Backward turns those probabilities into dL/d logits in place,
    /// so the probabilities exist once and no second [N, V] buffer is needed. Rows are independent, so large blocks
    /// split between the caller and the worker thread by rows, with the same result bits either way.
    /// </summary>
    public static unsafe class SoftmaxCrossEntropy
    {
        /// <summary>Row r of <paramref name="logits"/> becomes softmax(row r); nll[r] = -log p[r, target[r]];
        /// correct[r] = (the first index of the row's maximum == target[r]).</summary>
        public static void Forward(Span<float> logits, int rows, int classes, ReadOnlySpan<int> targets, Span<float> nll, Span<bool> correct)
            => Forward(logits, rows, classes, default, targets, nll, correct);

        /// <summary>As <see cref="Forward(Span{float}, int, int, ReadOnlySpan{int}, Span{float}, Span{bool})"/> on
        /// logits + <paramref name="bias"/> (one value per class; empty: none), the bias added to each row while it is in
        /// cache rather than in a pass of its own over the block: the same sums, so the same bits.</summary>
        public static void Forward(Span<float> logits, int rows, int classes, ReadOnlySpan<float> bias, ReadOnlySpan<int> targets,
            Span<float> nll, Span<bool> correct)
        {
            Check(logits.Length, rows, classes, targets);
            if (nll.Length < rows) throw new ArgumentException($"nll must hold {rows} floats, got {nll.Length}.", nameof(nll));
            if (!correct.IsEmpty && correct.Length < rows) throw new ArgumentException($"correct must be empty or hold {rows} entries, got {correct.Length}.", nameof(correct));
            if (!bias.IsEmpty && bias.Length != classes) throw new ArgumentException($"bias must be empty or hold {classes} floats, got {bias.Length}.", nameof(bias));
            fixed (float* z = logits, l = nll, b = bias)
            fixed (int* t = targets)
            fixed (bool* c = correct)
            {
                var job = new Rows { Z = z, Bias = b, Classes = classes, Targets = t, Nll = l, Correct = c };
                Worker.RunRows(&job, &ForwardRows, rows, classes);
            }
        }

        /// <summary>Row r of <paramref name="probabilities"/> (Forward's output) becomes
        /// weight[r]·scale·(p[r] − onehot(target[r])): dL/d logits of L = scale·Σ_r weight[r]·nll[r].</summary>
        public static void Backward(Span<float> probabilities, int rows, int classes, ReadOnlySpan<int> targets, ReadOnlySpan<float> weights, float scale)
            => Backward(probabilities, rows, classes, targets, weights, scale, default);

        /// <summary>As <see cref="Backward(Span{float}, int, int, ReadOnlySpan{int}, ReadOnlySpan{float}, float)"/>, and
        /// adds each row of dL/d logits to <paramref name="biasGradient"/> (one value per class; empty: none), rows in
        /// order, while the row is in cache: the bits of adding the finished rows one by one afterwards. The rows the
        /// worker thread took are added after it finishes, in order.</summary>
        public static void Backward(Span<float> probabilities, int rows, int classes, ReadOnlySpan<int> targets, ReadOnlySpan<float> weights, float scale,
            Span<float> biasGradient)
        {
            Check(probabilities.Length, rows, classes, targets);
            if (weights.Length < rows) throw new ArgumentException($"weights must hold {rows} floats, got {weights.Length}.", nameof(weights));
            if (!biasGradient.IsEmpty && biasGradient.Length != classes) throw new ArgumentException($"biasGradient must be empty or hold {classes} floats, got {biasGradient.Length}.", nameof(biasGradient));
            fixed (float* p = probabilities, w = weights, db = biasGradient)
            fixed (int* t = targets)
            {
                var job = new Rows { Z = p, Bias = db, Classes = classes, Targets = t, Weights = w, Scale = scale };
                Worker.RunRows(&job, &BackwardRows, rows, classes);
                if (db == null) return;
                // Rows from the first range's end on (the worker's, or all when the caller ran none of them yet).
                var bias = new Span<float>(db, classes);
                for (int r = job.BiasRows; r < rows; r++) TensorPrimitives.Add(bias, new ReadOnlySpan<float>(p + (long)r * classes, classes), bias);
            }
        }

        /// <summary>One call's arguments, on the caller's stack while both threads read them.</summary>
        private struct Rows
        {
            public float* Z, Bias, Nll, Weights;   // Bias: b in Forward, db in Backward
            public int* Targets;
            public bool* Correct;
            public int Classes;
            public float Scale;
            public int BiasRows;                   // Backward: rows [0, BiasRows) are in db
        }

        private static void ForwardRows(void* args, int lo, int hi)
        {
            var j = (Rows*)args;
            int classes = j->Classes;
            for (int r = lo; r < hi; r++)
            {
                var row = new Span<float>(j->Z + (long)r * classes, classes);
                float max = j->Bias != null ? AddMax(row, new ReadOnlySpan<float>(j->Bias, classes)) : TensorPrimitives.Max(row);
                int target = j->Targets[r];
                int argmax = IndexOf(row, max);
                float zTarget = row[target] - max;
                float sum = ExpSum(row, max);
                TensorPrimitives.Multiply(row, 1f / sum, row);
                j->Nll[r] = MathF.Log(sum) - zTarget;
                if (j->Correct != null) j->Correct[r] = argmax == target;
            }
        }

        /// <summary>row += bias, returning the row's maximum as <see cref="TensorPrimitives.Max(ReadOnlySpan{float})"/>
        /// gives it (NaN if any is NaN; +0 above −0): the bias add and the maximum in one pass over the row.</summary>
        private static float AddMax(Span<float> row, ReadOnlySpan<float> bias)
        {
            ref float z = ref MemoryMarshal.GetReference(row);
            ref float b = ref MemoryMarshal.GetReference(bias);
            int j = 0, n = row.Length;
            float max = float.NegativeInfinity;
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
            {
                var acc = Vector512.Create(float.NegativeInfinity);
                for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count)
                {
                    var v = Vector512.LoadUnsafe(ref z, (nuint)j) + Vector512.LoadUnsafe(ref b, (nuint)j);
                    v.StoreUnsafe(ref z, (nuint)j);
                    acc = Vector512.Max(acc, v);
                }
                for (int k = 0; k < Vector512<float>.Count; k++) max = MathF.Max(max, acc[k]);
            }
            // Where the runtime does not accelerate 512-bit vectors (AVX2 machines, and Intel parts it keeps off them).
            if (Vector256.IsHardwareAccelerated && n - j >= Vector256<float>.Count)
            {
                var acc = Vector256.Create(float.NegativeInfinity);
                for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count)
                {
                    var v = Vector256.LoadUnsafe(ref z, (nuint)j) + Vector256.LoadUnsafe(ref b, (nuint)j);
                    v.StoreUnsafe(ref z, (nuint)j);
                    acc = Vector256.Max(acc, v);
                }
                for (int k = 0; k < Vector256<float>.Count; k++) max = MathF.Max(max, acc[k]);
            }
            for (; j < n; j++) max = MathF.Max(max, row[j] += bias[j]);
            return max;
        }

        /// <summary>The first index of <paramref name="max"/>, the row's maximum, as
        /// <see cref="TensorPrimitives.IndexOfMax(ReadOnlySpan{float})"/> gives it: the first NaN if it is NaN, else the
        /// first element with its bits (so +0 is found past a −0). A search that stops where it finds it, over integers.</summary>
        private static int IndexOf(ReadOnlySpan<float> row, float max)
        {
            if (float.IsNaN(max))
            {
                for (int i = 0; i < row.Length; i++) if (float.IsNaN(row[i])) return i;
            }
            return MemoryMarshal.Cast<float, int>(row).IndexOf(BitConverter.SingleToInt32Bits(max));
        }

        /// <summary>row[j] = exp(row[j] − max), returning their sum: one pass, with the repo's inlined vector exp
        /// (TensorPrimitives.Exp goes through the runtime's Vector512.Exp, a call several times slower).</summary>
        private static float ExpSum(Span<float> row, float max)
        {
            ref float z = ref MemoryMarshal.GetReference(row);
            int j = 0, n = row.Length;
            float sum = 0f;
            if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
            {
                var m = Vector512.Create(max);
                var acc = Vector512<float>.Zero;
                for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count)
                {
                    var e = Activations.Exp(Vector512.LoadUnsafe(ref z, (nuint)j) - m);
                    e.StoreUnsafe(ref z, (nuint)j);
                    acc += e;
                }
                sum += Vector512.Sum(acc);
            }
            if (Vector256.IsHardwareAccelerated && n - j >= Vector256<float>.Count)
            {
                var m = Vector256.Create(max);
                var acc = Vector256<float>.Zero;
                for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count)
                {
                    var e = Activations.Exp(Vector256.LoadUnsafe(ref z, (nuint)j) - m);
                    e.StoreUnsafe(ref z, (nuint)j);
                    acc += e;
                }
                sum += Vector256.Sum(acc);
            }
            for (; j < n; j++) sum += row[j] = MathF.Exp(row[j] - max);
            return sum;
        }

        private static void BackwardRows(void* args, int lo, int hi)
        {
            var j = (Rows*)args;
            int classes = j->Classes;
            // Only the range that starts at row 0 may add to db as it goes: the sum runs over rows in order.
            bool sum = j->Bias != null && lo == 0;
            var bias = sum ? new Span<float>(j->Bias, classes) : default;
            for (int r = lo; r < hi; r++)
            {
                var row = new Span<float>(j->Z + (long)r * classes, classes);
                float w = j->Weights[r] * j->Scale;
                if (w == 0f) row.Clear();
                else
                {
                    TensorPrimitives.Multiply(row, w, row);
                    row[j->Targets[r]] -= w;
                }
                if (sum) TensorPrimitives.Add(bias, row, bias);
            }
            if (sum) j->BiasRows = hi;
        }

        private static void Check(int length, int rows, int classes, ReadOnlySpan<int> targets)
        {
            if (rows < 0 || classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"rows must be >= 0 and classes > 0, got {rows} and {classes}.");
            if (length < (long)rows * classes) throw new ArgumentException($"The logits must hold [N={rows}, V={classes}] = {(long)rows * classes} floats, got {length}.");
            if (targets.Length < rows) throw new ArgumentException($"targets must hold {rows} ids, got {targets.Length}.", nameof(targets));
            for (int r = 0; r < rows; r++)
                if ((uint)targets[r] >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(targets), $"Target {targets[r]} of row {r} is not a class in [0, {classes}).");
        }
    }
}
