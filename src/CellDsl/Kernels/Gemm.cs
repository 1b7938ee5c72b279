using System;
using System.Numerics.Tensors;

namespace CellDsl.Kernels
{
    /// <summary>
    /// Single-precision matrix products on row-major matrices stored in arrays at an offset with a leading dimension
    /// (row stride), in the three forms the cells need:
    /// <list type="bullet">
    /// <item><see cref="Nt"/>: C = A·Bᵀ — projections, Z[rows, G·H] = V · Wᵀ.</item>
    /// <item><see cref="Nn"/>: C += A·B — adjoints through a weight, dV += dZ · W.</item>
    /// <item><see cref="Tn"/>: C += Aᵀ·B — weight gradients over all rows, dW += dZᵀ · V.</item>
    /// </list>
    /// This is the straightforward vectorised version (dot products and row AXPYs through TensorPrimitives);
    /// <see cref="ReferenceGemm"/> is the oracle it is tested against.
    /// </summary>
    public static class Gemm
    {
        /// <summary>C[m×n] (+)= A[m×k] · B[n×k]ᵀ.</summary>
        public static void Nt(int m, int n, int k, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
            float[] c, int cOffset, int ldc, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                var ai = new ReadOnlySpan<float>(a, aOffset + i * lda, k);
                var ci = new Span<float>(c, cOffset + i * ldc, n);
                for (int j = 0; j < n; j++)
                {
                    float dot = TensorPrimitives.Dot(ai, new ReadOnlySpan<float>(b, bOffset + j * ldb, k));
                    ci[j] = accumulate ? ci[j] + dot : dot;
                }
            }
        }

        /// <summary>C[m×n] (+)= A[m×k] · B[k×n].</summary>
        public static void Nn(int m, int n, int k, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
            float[] c, int cOffset, int ldc, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                var ci = new Span<float>(c, cOffset + i * ldc, n);
                if (!accumulate) ci.Clear();
                for (int p = 0; p < k; p++)
                {
                    float s = a[aOffset + i * lda + p];
                    if (s == 0f) continue;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(b, bOffset + p * ldb, n), s, ci, ci);
                }
            }
        }

        /// <summary>C[m×n] (+)= A[k×m]ᵀ · B[k×n].</summary>
        public static void Tn(int m, int n, int k, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
            float[] c, int cOffset, int ldc, bool accumulate)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c, cOffset + i * ldc, n).Clear();
            for (int p = 0; p < k; p++)
            {
                var bp = new ReadOnlySpan<float>(b, bOffset + p * ldb, n);
                for (int i = 0; i < m; i++)
                {
                    float s = a[aOffset + p * lda + i];
                    if (s == 0f) continue;
                    var ci = new Span<float>(c, cOffset + i * ldc, n);
                    TensorPrimitives.MultiplyAdd(bp, s, ci, ci);
                }
            }
        }
    }

    /// <summary>The textbook triple loop with float64 accumulation: the oracle for <see cref="Gemm"/>.</summary>
    public static class ReferenceGemm
    {
        /// <summary>C (+)= op(A)·op(B) where op transposes when asked; A is [m×k] (or [k×m] transposed), B is [k×n] (or [n×k]).</summary>
        public static void Multiply(bool transA, bool transB, int m, int n, int k, float[] a, int aOffset, int lda,
            float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = accumulate ? c[cOffset + i * ldc + j] : 0.0;
                    for (int p = 0; p < k; p++)
                    {
                        float av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                        float bv = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                        s += (double)av * bv;
                    }
                    c[cOffset + i * ldc + j] = (float)s;
                }
            }
        }
    }
}
