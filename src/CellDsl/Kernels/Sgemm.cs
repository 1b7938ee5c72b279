using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CellDsl.Kernels
{
    /// <summary>
    /// A BLIS-shaped single-precision GEMM: C[m×n] (+)= op(A)·op(B) with op(A) = A or Aᵀ and op(B) = B or Bᵀ, on
    /// row-major arrays with offsets and leading dimensions. Loops: N in blocks of NC, K in blocks of KC (B packed
    /// into 32-column panels), M in blocks of MC (A packed into 6-row panels), then a 6×32 register tile of twelve
    /// zmm accumulators. Packing buffers are per thread and grow once, so calls do not allocate.
    /// </summary>
    /// <remarks>
    /// Numerics: every element of C is one FMA chain over k in order within each KC block, blocks added in order, so
    /// a result does not depend on M, N or the tile an element lands in.
    /// </remarks>
    public static unsafe class Sgemm
    {
        public const int MR = 6;
        public const int NR = 32;
        private const int KC = 256;
        private const int MC = 72;   // 12 panels of 6 rows: 72·256·4 B = 72 KiB of packed A, within L2 with the B panel
        private const int NC = 3072; // 256·3072·4 B = 3 MiB of packed B, in L3

        [ThreadStatic] private static float* t_packA;
        [ThreadStatic] private static float* t_packB;

        private static float* PackA => t_packA != null ? t_packA : (t_packA = (float*)NativeMemory.AlignedAlloc((nuint)(MC * KC * sizeof(float)), 64));
        private static float* PackB => t_packB != null ? t_packB : (t_packB = (float*)NativeMemory.AlignedAlloc((nuint)(NC * KC * sizeof(float)), 64));

        /// <summary>C[m×n] (+)= op(A)[m×k] · op(B)[k×n]; A is [m×k] (or [k×m] when <paramref name="transA"/>),
        /// B is [k×n] (or [n×k] when <paramref name="transB"/>).</summary>
        public static void Multiply(bool transA, bool transB, int m, int n, int k, float[] a, int aOffset, int lda,
            float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, bool accumulate)
        {
            if (m <= 0 || n <= 0) return;
            CheckRange(a, aOffset, transA ? k : m, transA ? m : k, lda, nameof(a));
            CheckRange(b, bOffset, transB ? n : k, transB ? k : n, ldb, nameof(b));
            CheckRange(c, cOffset, m, n, ldc, nameof(c));
            fixed (float* pa = a, pb = b, pc = c)
                Multiply(transA, transB, m, n, k, pa + aOffset, lda, pb + bOffset, ldb, pc + cOffset, ldc, accumulate);
        }

        private static void CheckRange(float[] x, int offset, int rows, int cols, int ld, string name)
        {
            if (rows == 0 || cols == 0) return;
            if (offset < 0 || ld < cols || (long)offset + (long)(rows - 1) * ld + cols > x.Length)
                throw new ArgumentOutOfRangeException(name, $"a [{rows}×{cols}] matrix with leading dimension {ld} at offset {offset} does not fit in {x.Length} floats");
        }

        public static void Multiply(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb,
            float* c, int ldc, bool accumulate)
        {
            if (k <= 0)
            {
                if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
                return;
            }
            int split = GemmWorker.SplitPoint(m, n, k);
            if (split <= 0)
            {
                Columns(transA, transB, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate);
                return;
            }
            GemmWorker.Run(new GemmWorker.Job { TransA = transA, TransB = transB, M = m, N0 = split, N1 = n, K = k, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc, Accumulate = accumulate });
        }

        /// <summary>Columns [n0, n1) of C (+)= op(A)·op(B), packing op(B) block by block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Columns(bool transA, bool transB, int m, int n0, int n1, int k, float* a, int lda, float* b, int ldb,
            float* c, int ldc, bool accumulate)
        {
            float* packA = PackA, packB = PackB;
            for (int jc = n0; jc < n1; jc += NC)
            {
                int nc = Math.Min(NC, n1 - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    PackPanelsB(transB, b, ldb, pc, kc, jc, nc, packB);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        PackPanelsA(transA, a, lda, ic, mc, pc, kc, packA);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            float* bp = packB + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* ap = packA + (long)ir * kc;
                                float* ct = c + (long)(ic + ir) * ldc + jc + jr;
                                if (mr == MR && nr == NR) Kernel6x32(kc, ap, bp, ct, ldc, acc);
                                else EdgeTile(kc, ap, bp, ct, ldc, mr, nr, acc);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>C[m×n] (+)= op(A)[m×k] · B where B was packed once by <see cref="PackedMatrix.Pack"/> — for weights that
        /// serve every step of a pass, so the per-step GEMM does not repack them.</summary>
        public static void Multiply(bool transA, int m, float[] a, int aOffset, int lda, PackedMatrix b, float[] c, int cOffset, int ldc, bool accumulate)
        {
            int n = b.Columns, k = b.Depth;
            if (m <= 0 || n <= 0) return;
            CheckRange(a, aOffset, transA ? k : m, transA ? m : k, lda, nameof(a));
            CheckRange(c, cOffset, m, n, ldc, nameof(c));
            fixed (float* pa = a, pc = c)
                Multiply(transA, m, pa + aOffset, lda, b, pc + cOffset, ldc, accumulate);
        }

        private static void Multiply(bool transA, int m, float* a, int lda, PackedMatrix b, float* c, int ldc, bool accumulate)
        {
            int n = b.Columns, k = b.Depth;
            if (k <= 0)
            {
                if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
                return;
            }
            int split = GemmWorker.SplitPoint(m, n, k);
            if (split <= 0)
            {
                Columns(transA, m, 0, n, a, lda, b, c, ldc, accumulate);
                return;
            }
            GemmWorker.Run(new GemmWorker.Job { TransA = transA, M = m, N0 = split, N1 = n, K = k, A = a, Lda = lda, Packed = b, C = c, Ldc = ldc, Accumulate = accumulate });
        }

        /// <summary>Columns [n0, n1) of C (+)= op(A)·B with B prepacked; n0 is a multiple of 32.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Columns(bool transA, int m, int n0, int n1, float* a, int lda, PackedMatrix b, float* c, int ldc, bool accumulate)
        {
            int k = b.Depth, n = n1;
            float* packA = PackA;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool acc = accumulate || pc > 0;
                float* block = b.Data + (long)pc * b.PaddedColumns;
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    PackPanelsA(transA, a, lda, ic, mc, pc, kc, packA);
                    for (int jr = n0; jr < n; jr += NR)
                    {
                        int nr = Math.Min(NR, n - jr);
                        float* bp = block + (long)jr * kc;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            float* ap = packA + (long)ir * kc;
                            float* ct = c + (long)(ic + ir) * ldc + jr;
                            if (mr == MR && nr == NR) Kernel6x32(kc, ap, bp, ct, ldc, acc);
                            else EdgeTile(kc, ap, bp, ct, ldc, mr, nr, acc);
                        }
                    }
                }
            }
        }

        /// <summary>Packs all of op(B) [k×n] into <paramref name="dst"/> as <see cref="PackedMatrix"/> lays it out.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void PackAll(bool transB, float* b, int ldb, int k, int n, int paddedN, float* dst)
        {
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                PackPanelsB(transB, b, ldb, pc, kc, 0, n, dst + (long)pc * paddedN);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void EdgeTile(int kc, float* ap, float* bp, float* c, int ldc, int mr, int nr, bool accumulate)
        {
            float* tile = stackalloc float[MR * NR];
            Kernel6x32(kc, ap, bp, tile, NR, false);
            for (int i = 0; i < mr; i++)
                for (int j = 0; j < nr; j++)
                    c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
        }

        /// <summary>op(A)[ic.., pc..] into 6-row panels, k-major within a panel: panel[p·6 + r]. Rows past m are zero.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackPanelsA(bool transA, float* a, int lda, int ic, int mc, int pc, int kc, float* dst)
        {
            for (int ir = 0; ir < mc; ir += MR)
            {
                int mr = Math.Min(MR, mc - ir);
                float* panel = dst + (long)ir * kc;
                if (!transA)
                {
                    for (int r = 0; r < MR; r++)
                    {
                        if (r >= mr) { for (int p = 0; p < kc; p++) panel[p * MR + r] = 0f; continue; }
                        float* row = a + (long)(ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) panel[p * MR + r] = row[p];
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* src = a + (long)(pc + p) * lda + ic + ir;
                        float* d = panel + p * MR;
                        for (int r = 0; r < mr; r++) d[r] = src[r];
                        for (int r = mr; r < MR; r++) d[r] = 0f;
                    }
                }
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

        /// <summary>Whether the zmm micro-kernel runs; without AVX-512 (or when a test asks) two ymm half-tiles do.</summary>
        internal static bool UseZmm = Vector512.IsHardwareAccelerated;

        /// <summary>The register tile: C[6×32] (+)= Apanel[6×kc] · Bpanel[kc×32].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Kernel6x32(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
        {
            if (UseZmm)
            {
                Kernel6x32Zmm(kc, a, b, c, ldc, accumulate);
            }
            else
            {
                // AVX2 has 16 ymm registers: a 6×16 half-tile (12 accumulators) at a time, over the same packed panels.
                Kernel6x16Ymm(kc, a, b, c, ldc, accumulate);
                Kernel6x16Ymm(kc, a, b + 16, c + 16, ldc, accumulate);
            }
        }

        /// <summary>Columns 0..15 of a 6×32 tile, from panels whose rows are 32 floats apart, with twelve ymm accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Kernel6x16Ymm(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + 8);
                var a0 = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector256.Create(a[2]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector256.Create(a[3]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector256.Create(a[4]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40); c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector256.Create(a[5]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50); c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
                a += MR;
                b += NR;
            }
            Store(c, c00, c01, accumulate);
            Store(c + ldc, c10, c11, accumulate);
            Store(c + 2L * ldc, c20, c21, accumulate);
            Store(c + 3L * ldc, c30, c31, accumulate);
            Store(c + 4L * ldc, c40, c41, accumulate);
            Store(c + 5L * ldc, c50, c51, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector256<float> lo, Vector256<float> hi, bool accumulate)
        {
            if (accumulate)
            {
                lo += Vector256.Load(c);
                hi += Vector256.Load(c + 8);
            }
            Vector256.Store(lo, c);
            Vector256.Store(hi, c + 8);
        }

        /// <summary>The zmm register tile: twelve accumulators, 2 loads and 6 broadcasts per 12 FMAs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Kernel6x32Zmm(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
                a += MR;
                b += NR;
            }
            Store(c, c00, c01, accumulate);
            Store(c + ldc, c10, c11, accumulate);
            Store(c + 2L * ldc, c20, c21, accumulate);
            Store(c + 3L * ldc, c30, c31, accumulate);
            Store(c + 4L * ldc, c40, c41, accumulate);
            Store(c + 5L * ldc, c50, c51, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector512<float> lo, Vector512<float> hi, bool accumulate)
        {
            if (accumulate)
            {
                lo += Vector512.Load(c);
                hi += Vector512.Load(c + 16);
            }
            Vector512.Store(lo, c);
            Vector512.Store(hi, c + 16);
        }
    }
}

namespace CellDsl.Kernels
{
    /// <summary>
    /// op(B) [k×n] packed for <see cref="Sgemm"/>: for each block of 256 rows of k, 32-column panels stored k-major.
    /// Memory is unmanaged, 64-byte aligned, allocated once for the largest shape asked and reused.
    /// </summary>
    public sealed unsafe class PackedMatrix : IDisposable
    {
        private float* _data;
        private long _capacity;

        public int Depth { get; private set; }
        public int Columns { get; private set; }
        public int PaddedColumns { get; private set; }
        internal float* Data => _data;

        /// <summary>Packs op(B): B is [k×n] row-major, or [n×k] when <paramref name="transB"/> (a weight W[out×in] used as Wᵀ).</summary>
        public void Pack(bool transB, int k, int n, float[] b, int bOffset, int ldb)
        {
            int padded = (n + Sgemm.NR - 1) / Sgemm.NR * Sgemm.NR;
            long need = (long)padded * Math.Max(k, 1);
            if (need > _capacity)
            {
                if (_data != null) NativeMemory.AlignedFree(_data);
                _data = (float*)NativeMemory.AlignedAlloc((nuint)(need * sizeof(float)), 64);
                _capacity = need;
            }
            Depth = k;
            Columns = n;
            PaddedColumns = padded;
            fixed (float* pb = b) Sgemm.PackAll(transB, pb + bOffset, ldb, k, n, padded, _data);
        }

        public void Dispose()
        {
            if (_data != null) { NativeMemory.AlignedFree(_data); _data = null; _capacity = 0; }
            GC.SuppressFinalize(this);
        }

        ~PackedMatrix() => Dispose();
    }
}
