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
                else if (Avx.IsSupported && TransposeInRegisters)
                {
                    PackTransposedPanel(b + (long)(jc + jr) * ldb + pc, ldb, kc, nr, panel);
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

        /// <summary>One 32-column panel of op(B) = Bᵀ: <paramref name="nr"/> rows of B (k-contiguous, <paramref name="ldb"/>
        /// apart) become the panel's columns, eight rows by eight steps at a time through an AVX 8×8 transpose: on Zen 4
        /// the decoder's logits h·Wᵀ, which packs all of W so, ran 7–12% faster than with the AVX2 gathers it replaces
        /// (measured under load). Columns past nr are zero.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PackTransposedPanel(float* rows, int ldb, int kc, int nr, float* panel)
        {
            int whole = nr / 8 * 8;   // columns that come in groups of eight rows
            int p = 0;
            for (; p + 8 <= kc; p += 8)
            {
                float* d = panel + p * NR;
                for (int j = 0; j < whole; j += 8) Transpose8(rows + (long)j * ldb + p, ldb, d + j);
                for (int j = whole; j < NR; j++)
                {
                    float* row = rows + (long)j * ldb + p;
                    for (int q = 0; q < 8; q++) d[q * NR + j] = j < nr ? row[q] : 0f;
                }
            }
            for (; p < kc; p++)
            {
                float* d = panel + p * NR;
                for (int j = 0; j < NR; j++) d[j] = j < nr ? rows[(long)j * ldb + p] : 0f;
            }
        }

        /// <summary>An 8×8 block: eight steps of eight rows of B (<paramref name="ldb"/> apart) into eight steps of a
        /// panel's eight columns (32 floats apart): unpack pairs, shuffle quads, swap 128-bit halves.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8(float* src, int ldb, float* d)
        {
            var r0 = Avx.LoadVector256(src);
            var r1 = Avx.LoadVector256(src + ldb);
            var r2 = Avx.LoadVector256(src + 2L * ldb);
            var r3 = Avx.LoadVector256(src + 3L * ldb);
            var r4 = Avx.LoadVector256(src + 4L * ldb);
            var r5 = Avx.LoadVector256(src + 5L * ldb);
            var r6 = Avx.LoadVector256(src + 6L * ldb);
            var r7 = Avx.LoadVector256(src + 7L * ldb);
            var t0 = Avx.UnpackLow(r0, r1);    // r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]
            var t1 = Avx.UnpackHigh(r0, r1);   // r0[2] r1[2] r0[3] r1[3] | r0[6] r1[6] r0[7] r1[7]
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5);
            var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7);
            var t7 = Avx.UnpackHigh(r6, r7);
            var s0 = Avx.Shuffle(t0, t2, 0x44);   // r0[0] r1[0] r2[0] r3[0] | the same of step 4
            var s1 = Avx.Shuffle(t0, t2, 0xEE);   // step 1 | step 5
            var s2 = Avx.Shuffle(t1, t3, 0x44);   // step 2 | step 6
            var s3 = Avx.Shuffle(t1, t3, 0xEE);   // step 3 | step 7
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Store(d, Avx.Permute2x128(s0, s4, 0x20));
            Avx.Store(d + NR, Avx.Permute2x128(s1, s5, 0x20));
            Avx.Store(d + 2 * NR, Avx.Permute2x128(s2, s6, 0x20));
            Avx.Store(d + 3 * NR, Avx.Permute2x128(s3, s7, 0x20));
            Avx.Store(d + 4 * NR, Avx.Permute2x128(s0, s4, 0x31));
            Avx.Store(d + 5 * NR, Avx.Permute2x128(s1, s5, 0x31));
            Avx.Store(d + 6 * NR, Avx.Permute2x128(s2, s6, 0x31));
            Avx.Store(d + 7 * NR, Avx.Permute2x128(s3, s7, 0x31));
        }
    }
}
