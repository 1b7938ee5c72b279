using System;

namespace CellDsl.Kernels
{
    /// <summary>The textbook triple loop with float64 accumulation: the oracle for <see cref="Sgemm"/>.</summary>
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
