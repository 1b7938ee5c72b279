using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CellDsl.Kernels
{
    /// <summary>Packing: op(A) into 12-row panels per KC block, op(B) into 32-column panels (per block, or all at once for weights).</summary>
    public static unsafe partial class Sgemm
    {
        private static int RoundUp(int n) => (n + NR - 1) / NR * NR;

        /// <summary>Packs all of op(B) [k×n] into <paramref name="dst"/> as <see cref="PackedMatrix"/> lays it out, the
        /// right-hand columns on the worker when the matrix is big: packing the weights is a pass over memory between
        /// the products of a recurrent pass, and a worker left idle that long goes to sleep.</summary>
        internal static void PackAll(bool transB, float* b, int ldb, int k, int n, int paddedN, float* dst)
        {
            var pack = new PackJob { TransB = transB, B = b, Ldb = ldb, K = k, PaddedN = paddedN, Dst = dst };
            int split = Worker.SplitPack(k, n);
            if (split <= 0)
                PackColumns(&pack, 0, n);
            else
                Worker.Run(new Worker.Job { Kernel = &pack, Range = &PackColumns, Split = split, End = n });
        }

        private struct PackJob
        {
            public bool TransB;
            public float* B, Dst;
            public int Ldb, K, PaddedN;
        }

        /// <summary>Columns [j0, j1) of the packed op(B); j0 is a multiple of 32, so the range is whole panels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackColumns(void* job, int j0, int j1)
        {
            ref PackJob j = ref Unsafe.AsRef<PackJob>(job);
            for (int pc = 0; pc < j.K; pc += KC)
            {
                int kc = Math.Min(KC, j.K - pc);
                PackPanelsB(j.TransB, j.B, j.Ldb, pc, kc, j0, j1 - j0, j.Dst + (long)pc * j.PaddedN + (long)j0 * kc);
            }
        }

        /// <summary>op(A)[ic.., pc..] into panels of 12 rows (the last panel as many rows as are left), k-major within a
        /// panel: panel[p·rows + r].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackPanelsA(bool transA, float* a, int lda, int ic, int mb, int pc, int kc, float* dst)
        {
            for (int ir = 0; ir < mb; ir += MR)
            {
                int rows = Math.Min(MR, mb - ir);
                float* panel = dst + (long)ir * kc;
                if (!transA)
                {
                    float* first = a + (long)(ic + ir) * lda + pc;
                    int r = 0;
                    if (Sse.IsSupported)
                        for (; r + 4 <= rows; r += 4) Transpose4(first + (long)r * lda, lda, kc, panel + r, rows);
                    for (; r < rows; r++)
                    {
                        float* row = first + (long)r * lda;
                        float* d = panel + r;
                        for (int p = 0; p < kc; p++) d[p * rows] = row[p];
                    }
                }
                else if (rows == MR)
                {
                    float* src = a + (long)pc * lda + ic + ir;
                    for (int p = 0; p < kc; p++, src += lda)
                    {
                        Vector256.Store(Vector256.Load(src), panel + p * MR);
                        Vector128.Store(Vector128.Load(src + 8), panel + p * MR + 8);
                    }
                }
                else
                {
                    float* src = a + (long)pc * lda + ic + ir;
                    for (int p = 0; p < kc; p++, src += lda)
                        for (int r = 0; r < rows; r++) panel[p * rows + r] = src[r];
                }
            }
        }

        /// <summary>Four rows of A (k-contiguous, <paramref name="lda"/> apart) into four k-major columns of a panel whose
        /// steps are <paramref name="stride"/> floats apart, four steps at a time through an SSE 4×4 transpose.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose4(float* rows, int lda, int kc, float* d, int stride)
        {
            float* r1 = rows + lda, r2 = rows + 2L * lda, r3 = rows + 3L * lda;
            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                var x0 = Sse.LoadVector128(rows + p);
                var x1 = Sse.LoadVector128(r1 + p);
                var x2 = Sse.LoadVector128(r2 + p);
                var x3 = Sse.LoadVector128(r3 + p);
                var t0 = Sse.UnpackLow(x0, x1);   // x0[0] x1[0] x0[1] x1[1]
                var t1 = Sse.UnpackLow(x2, x3);
                var t2 = Sse.UnpackHigh(x0, x1);  // x0[2] x1[2] x0[3] x1[3]
                var t3 = Sse.UnpackHigh(x2, x3);
                float* o = d + p * stride;
                Sse.Store(o, Sse.MoveLowToHigh(t0, t1));
                Sse.Store(o + stride, Sse.MoveHighToLow(t1, t0));
                Sse.Store(o + 2 * stride, Sse.MoveLowToHigh(t2, t3));
                Sse.Store(o + 3 * stride, Sse.MoveHighToLow(t3, t2));
            }
            for (; p < kc; p++)
            {
                float* o = d + p * stride;
                o[0] = rows[p]; o[1] = r1[p]; o[2] = r2[p]; o[3] = r3[p];
            }
        }

        /// <summary>op(B)[pc.., jc..] into 32-column panels, k-major: panel[p·32 + j]. Columns past n are zero.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackPanelsB(bool transB, float* b, int ldb, int pc, int kc, int jc, int nc, float* dst)
        {
            for (int jr = 0; jr < nc; jr += NR)
            {
                int nr = Math.Min(NR, nc - jr);
                float* panel = dst + (long)jr * kc;
                if (!transB)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* src = b + (long)(pc + p) * ldb + jc + jr;
                        float* d = panel + p * NR;
                        if (nr == NR)
                        {
                            Buffer.MemoryCopy(src, d, NR * sizeof(float), NR * sizeof(float));
                        }
                        else
                        {
                            for (int j = 0; j < nr; j++) d[j] = src[j];
                            for (int j = nr; j < NR; j++) d[j] = 0f;
                        }
                    }
                }
                else
                {
                    // B is stored [n×k]: row j of B is column j of op(B). With AVX2, gather 8 rows' elements p at a
                    // time into one vector (a transpose without strided scalar stores).
                    if (nr == NR && Avx2.IsSupported && (long)ldb * (NR - 1) < int.MaxValue / 4)
                    {
                        var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * ldb;
                        float* rows = b + (long)(jc + jr) * ldb + pc;
                        long eight = 8L * ldb;
                        for (int p = 0; p < kc; p++)
                        {
                            float* d = panel + p * NR;
                            Vector256.Store(Avx2.GatherVector256(rows + p, index, 4), d);
                            Vector256.Store(Avx2.GatherVector256(rows + eight + p, index, 4), d + 8);
                            Vector256.Store(Avx2.GatherVector256(rows + 2 * eight + p, index, 4), d + 16);
                            Vector256.Store(Avx2.GatherVector256(rows + 3 * eight + p, index, 4), d + 24);
                        }
                        continue;
                    }
                    for (int j = 0; j < NR; j++)
                    {
                        if (j >= nr) { for (int p = 0; p < kc; p++) panel[p * NR + j] = 0f; continue; }
                        float* row = b + (long)(jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) panel[p * NR + j] = row[p];
                    }
                }
            }
        }
    }
}
