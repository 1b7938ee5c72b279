using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CellDsl.Kernels
{
    /// <summary>
    /// A GotoBLAS/BLIS-shaped single-precision GEMM: C[m×n] (+)= op(A)·op(B) with op(A) = A or Aᵀ and op(B) = B or Bᵀ,
    /// on row-major arrays with offsets and leading dimensions.
    /// </summary>
    /// <remarks>
    /// The register tile is 12 rows × 32 columns: each step k broadcasts twelve elements of A against two zmm
    /// vectors of B (24 accumulators). Blocking follows from which side is broadcast: a 12-row panel of A (12·KC floats,
    /// 12 KiB) stays in L1 while the tile walks across a block of B panels (KC·NB floats, 512 KiB; 256 KiB when
    /// prepacked) that stays in L2; A is packed once per KC block for up to MB rows (768 KiB, also in L2).
    /// Loops: M in blocks of MB, K in blocks of KC (pack A),
    /// N in blocks of NB (pack B, unless prepacked), then 12-row panels of A, then 32-column panels of B.
    /// The last rows of M get a tile of their own height (kernels are specialised per row count), so M = 20 or 64
    /// costs no padded rows. Packing buffers are per thread and grow once, so calls do not allocate.
    ///
    /// Numerics: every element of C is one FMA chain over k in order within each KC block, blocks added in order, so
    /// a result does not depend on M, N, the tile an element lands in, or the thread that computes it.
    /// </remarks>
    public static unsafe class Sgemm
    {
        public const int MR = 12;
        public const int NR = 32;
        internal const int KC = 256;
        private const int NB = 512;   // 256·512·4 B = 512 KiB of B panels: stays in L2 while every A panel passes over it
        // Prepacked weights go in blocks half as wide, because the next block is prefetched into L2 beside the current
        // one: with 512 KiB blocks, on a 1 MiB L2 the two evicted each other, and the per-step product with H = 1500
        // weights (streamed from DRAM) ran at 52% of the FMA peak instead of 86%.
        private const int PrepackedNB = 256;
        private const int MB = 768;   // 768·256·4 B = 768 KiB of packed A per KC block: with the B block, within L2

        /// <summary>Threads a product may run on (the caller and one worker): 2, or 1 with CELLDSL_THREADS=1 or one core.</summary>
        public static int Threads => Worker.Threads;

        [ThreadStatic] private static float* t_packA;
        [ThreadStatic] private static long t_packACapacity;
        [ThreadStatic] private static float* t_packB;

        private static float* PackB => t_packB != null ? t_packB : (t_packB = (float*)NativeMemory.AlignedAlloc((nuint)(NB * KC * sizeof(float)), 64));

        /// <summary>A buffer for <paramref name="rows"/> packed rows of one KC block; grows to the largest asked, at most MB rows.</summary>
        private static float* PackA(int rows)
        {
            long need = (long)rows * KC;
            if (need > t_packACapacity)
            {
                if (t_packA != null) NativeMemory.AlignedFree(t_packA);
                t_packA = (float*)NativeMemory.AlignedAlloc((nuint)(need * sizeof(float)), 64);
                t_packACapacity = need;
            }
            return t_packA;
        }

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
            int split = Worker.SplitPoint(m, n, k, prepacked: false, out bool byRows);
            if (split <= 0)
            {
                Columns(transA, transB, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate);
                return;
            }
            Worker.Run(new Worker.Job { TransA = transA, TransB = transB, ByRows = byRows, Split = split, End = byRows ? m : n, M = m, N = n, K = k, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc, Accumulate = accumulate });
        }

        /// <summary>Columns [n0, n1) of C (+)= op(A)·op(B), packing op(B) block by block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Columns(bool transA, bool transB, int m, int n0, int n1, int k, float* a, int lda, float* b, int ldb,
            float* c, int ldc, bool accumulate)
        {
            float* packB = PackB;
            for (int ic = 0; ic < m; ic += MB)
            {
                int mb = Math.Min(MB, m - ic);
                float* packA = PackA(mb);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    PackPanelsA(transA, a, lda, ic, mb, pc, kc, packA);
                    for (int jc = n0; jc < n1; jc += NB)
                    {
                        int nb = Math.Min(NB, n1 - jc);
                        PackPanelsB(transB, b, ldb, pc, kc, jc, nb, packB);
                        Block(kc, packA, mb, packB, nb, c + (long)ic * ldc + jc, ldc, acc, null, 0);
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
            int split = Worker.SplitPoint(m, n, k, prepacked: true, out bool byRows);
            if (split <= 0)
            {
                Columns(transA, m, 0, n, a, lda, b, c, ldc, accumulate);
                return;
            }
            Worker.Run(new Worker.Job { TransA = transA, ByRows = byRows, Split = split, End = byRows ? m : n, M = m, N = n, K = k, A = a, Lda = lda, Packed = b, C = c, Ldc = ldc, Accumulate = accumulate });
        }

        /// <summary>Columns [n0, n1) of C (+)= op(A)·B with B prepacked; n0 is a multiple of 32.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Columns(bool transA, int m, int n0, int n1, float* a, int lda, PackedMatrix b, float* c, int ldc, bool accumulate)
        {
            int k = b.Depth;
            for (int ic = 0; ic < m; ic += MB)
            {
                int mb = Math.Min(MB, m - ic);
                float* packA = PackA(mb);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    PackPanelsA(transA, a, lda, ic, mb, pc, kc, packA);
                    float* panels = b.Data + (long)pc * b.PaddedColumns;
                    for (int jc = n0; jc < n1; jc += PrepackedNB)
                    {
                        // The block after this one: the next columns of this KC block, else the first of the next.
                        float* next = null;
                        int nextLines = 0;
                        if (jc + PrepackedNB < n1)
                        {
                            next = panels + (long)(jc + PrepackedNB) * kc;
                            nextLines = kc * RoundUp(Math.Min(PrepackedNB, n1 - jc - PrepackedNB)) / 16;
                        }
                        else if (pc + KC < k)
                        {
                            int kn = Math.Min(KC, k - pc - KC);
                            next = b.Data + (long)(pc + KC) * b.PaddedColumns + (long)n0 * kn;
                            nextLines = kn * RoundUp(Math.Min(PrepackedNB, n1 - n0)) / 16;
                        }
                        Block(kc, packA, mb, panels + (long)jc * kc, Math.Min(PrepackedNB, n1 - jc), c + (long)ic * ldc + jc, ldc, acc, next, nextLines);
                    }
                }
            }
        }

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

        /// <summary>C[mb×nb] (+)= packed A (12-row panels) · packed B (32-column panels), one KC block: each A panel
        /// stays in L1 while it passes over the whole B block (in L2). When the next B block is already packed
        /// (<paramref name="next"/>, <paramref name="nextLines"/> cache lines), the tiles pull it into L2 meanwhile, a
        /// share each: weights bigger than L3 stream at DRAM speed, and this overlaps that stream with the FMAs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Block(int kc, float* packA, int mb, float* packB, int nb, float* c, int ldc, bool accumulate, float* next, int nextLines)
        {
            int tiles = (mb + MR - 1) / MR * ((nb + NR - 1) / NR);
            int lines = next == null ? 0 : Math.Min(kc, (nextLines + tiles - 1) / tiles); // at most a line per k step
            int tile = 0;
            for (int ir = 0; ir < mb; ir += MR)
            {
                int rows = Math.Min(MR, mb - ir);
                float* ap = packA + (long)ir * kc;
                float* cr = c + (long)ir * ldc;
                for (int jr = 0; jr < nb; jr += NR, tile++)
                {
                    float* bp = packB + (long)jr * kc;
                    float* pf = next + (long)tile * lines * 16;
                    if (nb - jr >= NR) Tile<Full>(rows, kc, ap, bp, cr + jr, ldc, accumulate, pf, lines);
                    else EdgeTile(rows, nb - jr, kc, ap, bp, cr + jr, ldc, accumulate, pf, lines);
                }
            }
        }

        /// <summary>A tile narrower than 32 columns (the last of a row): computed into a scratch tile (B's panel is
        /// zero-padded), then the valid columns are written. Up to 16 columns compute only the panel's left half: the
        /// edge of N = 200 or 650 (8 and 10 columns) would otherwise cost a full tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void EdgeTile(int rows, int cols, int kc, float* ap, float* bp, float* c, int ldc, bool accumulate, float* pf, int lines)
        {
            float* tile = stackalloc float[MR * NR];
            if (cols <= NR / 2) Tile<Half>(rows, kc, ap, bp, tile, NR, false, pf, lines);
            else Tile<Full>(rows, kc, ap, bp, tile, NR, false, pf, lines);
            for (int i = 0; i < rows; i++)
            {
                float* dst = c + (long)i * ldc, src = tile + i * NR;
                if (accumulate) for (int j = 0; j < cols; j++) dst[j] += src[j];
                else for (int j = 0; j < cols; j++) dst[j] = src[j];
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

        /// <summary>Whether the zmm micro-kernel runs; without AVX-512 (or when a test asks) ymm half-tiles do.</summary>
        internal static bool UseZmm = Vector512.IsHardwareAccelerated;

        /// <summary>C[rows×32] (+)= Apanel[rows×kc] · Bpanel[kc×32] (or its left 16 columns, for <see cref="Half"/>),
        /// with the kernel specialised for this row count and width.</summary>
        private static void Tile<TWidth>(int rows, int kc, float* a, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TWidth : struct, IWidth
        {
            if (!UseZmm)
            {
                // AVX2's 16 registers hold a 6×16 tile: cover the rows six at a time, each in two column halves.
                for (int g = 0; g < rows; g += 6)
                {
                    int r = Math.Min(6, rows - g);
                    HalfYmm(r, kc, a + g, rows, b, c + (long)g * ldc, ldc, accumulate);
                    if (TWidth.IsFull) HalfYmm(r, kc, a + g, rows, b + 16, c + (long)g * ldc + 16, ldc, accumulate);
                }
                return;
            }
            switch (rows)
            {
                case 12: TileZmm<R12, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 11: TileZmm<R11, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 10: TileZmm<R10, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 9: TileZmm<R9, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 8: TileZmm<R8, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 7: TileZmm<R7, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 6: TileZmm<R6, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 5: TileZmm<R5, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 4: TileZmm<R4, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 3: TileZmm<R3, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                case 2: TileZmm<R2, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
                default: TileZmm<R1, TWidth>(kc, a, b, c, ldc, accumulate, pf, lines); break;
            }
        }

        private static void HalfYmm(int rows, int kc, float* a, int stride, float* b, float* c, int ldc, bool accumulate)
        {
            switch (rows)
            {
                case 6: HalfYmm<R6>(kc, a, stride, b, c, ldc, accumulate); break;
                case 5: HalfYmm<R5>(kc, a, stride, b, c, ldc, accumulate); break;
                case 4: HalfYmm<R4>(kc, a, stride, b, c, ldc, accumulate); break;
                case 3: HalfYmm<R3>(kc, a, stride, b, c, ldc, accumulate); break;
                case 2: HalfYmm<R2>(kc, a, stride, b, c, ldc, accumulate); break;
                default: HalfYmm<R1>(kc, a, stride, b, c, ldc, accumulate); break;
            }
        }

        /// <summary>The zmm register tile: C[r×32] (+)= Apanel[r×kc] · Bpanel[kc×32], r = TRows.Count ≤ 12 (24 accumulators,
        /// 2 loads and r broadcasts per 2r FMAs); the first <paramref name="lines"/> steps also prefetch a cache line
        /// each of <paramref name="pf"/> into L2. TRows and TWidth are JIT-time constants: the guards vanish and unused
        /// accumulators are never allocated, so each row count and width gets its own straight-line kernel. The
        /// half-width kernel (the left 16 columns, for narrow edges) runs the same FMA chain per element, so a result
        /// does not depend on whether its column lands in an edge tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TileZmm<TRows, TWidth>(int kc, float* a, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TRows : struct, IRows where TWidth : struct, IWidth
        {
            int r = TRows.Count;
            bool w = TWidth.IsFull;
            // C is read back only after the k loop: start fetching it now so the loads at the end do not stall.
            for (int i = 0; i < r; i++) { Sse.Prefetch0(c + (long)i * ldc); Sse.Prefetch0(c + (long)i * ldc + 31); }
            Vector512<float> c00a = default, c00b = default, c01a = default, c01b = default;
            Vector512<float> c02a = default, c02b = default, c03a = default, c03b = default;
            Vector512<float> c04a = default, c04b = default, c05a = default, c05b = default;
            Vector512<float> c06a = default, c06b = default, c07a = default, c07b = default;
            Vector512<float> c08a = default, c08b = default, c09a = default, c09b = default;
            Vector512<float> c10a = default, c10b = default, c11a = default, c11b = default;
            for (int p = 0; p < kc; p++)
            {
                if (p < lines) { Sse.Prefetch1(pf); pf += 16; }
                var b0 = Vector512.Load(b);
                var b1 = w ? Vector512.Load(b + 16) : default;
                { var x = Vector512.Create(a[0]); c00a = Vector512.FusedMultiplyAdd(x, b0, c00a); if (w) c00b = Vector512.FusedMultiplyAdd(x, b1, c00b); }
                if (r > 1)  { var x = Vector512.Create(a[1]); c01a = Vector512.FusedMultiplyAdd(x, b0, c01a); if (w) c01b = Vector512.FusedMultiplyAdd(x, b1, c01b); }
                if (r > 2)  { var x = Vector512.Create(a[2]); c02a = Vector512.FusedMultiplyAdd(x, b0, c02a); if (w) c02b = Vector512.FusedMultiplyAdd(x, b1, c02b); }
                if (r > 3)  { var x = Vector512.Create(a[3]); c03a = Vector512.FusedMultiplyAdd(x, b0, c03a); if (w) c03b = Vector512.FusedMultiplyAdd(x, b1, c03b); }
                if (r > 4)  { var x = Vector512.Create(a[4]); c04a = Vector512.FusedMultiplyAdd(x, b0, c04a); if (w) c04b = Vector512.FusedMultiplyAdd(x, b1, c04b); }
                if (r > 5)  { var x = Vector512.Create(a[5]); c05a = Vector512.FusedMultiplyAdd(x, b0, c05a); if (w) c05b = Vector512.FusedMultiplyAdd(x, b1, c05b); }
                if (r > 6)  { var x = Vector512.Create(a[6]); c06a = Vector512.FusedMultiplyAdd(x, b0, c06a); if (w) c06b = Vector512.FusedMultiplyAdd(x, b1, c06b); }
                if (r > 7)  { var x = Vector512.Create(a[7]); c07a = Vector512.FusedMultiplyAdd(x, b0, c07a); if (w) c07b = Vector512.FusedMultiplyAdd(x, b1, c07b); }
                if (r > 8)  { var x = Vector512.Create(a[8]); c08a = Vector512.FusedMultiplyAdd(x, b0, c08a); if (w) c08b = Vector512.FusedMultiplyAdd(x, b1, c08b); }
                if (r > 9)  { var x = Vector512.Create(a[9]); c09a = Vector512.FusedMultiplyAdd(x, b0, c09a); if (w) c09b = Vector512.FusedMultiplyAdd(x, b1, c09b); }
                if (r > 10) { var x = Vector512.Create(a[10]); c10a = Vector512.FusedMultiplyAdd(x, b0, c10a); if (w) c10b = Vector512.FusedMultiplyAdd(x, b1, c10b); }
                if (r > 11) { var x = Vector512.Create(a[11]); c11a = Vector512.FusedMultiplyAdd(x, b0, c11a); if (w) c11b = Vector512.FusedMultiplyAdd(x, b1, c11b); }
                a += r;
                b += NR;
            }
            Store(c + 0L * ldc, c00a, c00b, w, accumulate);
            if (r > 1)  Store(c + 1L * ldc, c01a, c01b, w, accumulate);
            if (r > 2)  Store(c + 2L * ldc, c02a, c02b, w, accumulate);
            if (r > 3)  Store(c + 3L * ldc, c03a, c03b, w, accumulate);
            if (r > 4)  Store(c + 4L * ldc, c04a, c04b, w, accumulate);
            if (r > 5)  Store(c + 5L * ldc, c05a, c05b, w, accumulate);
            if (r > 6)  Store(c + 6L * ldc, c06a, c06b, w, accumulate);
            if (r > 7)  Store(c + 7L * ldc, c07a, c07b, w, accumulate);
            if (r > 8)  Store(c + 8L * ldc, c08a, c08b, w, accumulate);
            if (r > 9)  Store(c + 9L * ldc, c09a, c09b, w, accumulate);
            if (r > 10) Store(c + 10L * ldc, c10a, c10b, w, accumulate);
            if (r > 11) Store(c + 11L * ldc, c11a, c11b, w, accumulate);
        }

        /// <summary>Columns 0..15 of up to six rows of a tile, with twelve ymm accumulators (AVX2 has 16 registers).
        /// <paramref name="stride"/> is the panel's row count: row i of step p is a[p·stride + i].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void HalfYmm<TRows>(int kc, float* a, int stride, float* b, float* c, int ldc, bool accumulate) where TRows : struct, IRows
        {
            int r = TRows.Count;
            Vector256<float> c0a = default, c0b = default, c1a = default, c1b = default;
            Vector256<float> c2a = default, c2b = default, c3a = default, c3b = default;
            Vector256<float> c4a = default, c4b = default, c5a = default, c5b = default;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + 8);
                { var x = Vector256.Create(a[0]); c0a = Vector256.FusedMultiplyAdd(x, b0, c0a); c0b = Vector256.FusedMultiplyAdd(x, b1, c0b); }
                if (r > 1) { var x = Vector256.Create(a[1]); c1a = Vector256.FusedMultiplyAdd(x, b0, c1a); c1b = Vector256.FusedMultiplyAdd(x, b1, c1b); }
                if (r > 2) { var x = Vector256.Create(a[2]); c2a = Vector256.FusedMultiplyAdd(x, b0, c2a); c2b = Vector256.FusedMultiplyAdd(x, b1, c2b); }
                if (r > 3) { var x = Vector256.Create(a[3]); c3a = Vector256.FusedMultiplyAdd(x, b0, c3a); c3b = Vector256.FusedMultiplyAdd(x, b1, c3b); }
                if (r > 4) { var x = Vector256.Create(a[4]); c4a = Vector256.FusedMultiplyAdd(x, b0, c4a); c4b = Vector256.FusedMultiplyAdd(x, b1, c4b); }
                if (r > 5) { var x = Vector256.Create(a[5]); c5a = Vector256.FusedMultiplyAdd(x, b0, c5a); c5b = Vector256.FusedMultiplyAdd(x, b1, c5b); }
                a += stride;
                b += NR;
            }
            Store(c + 0L * ldc, c0a, c0b, accumulate);
            if (r > 1) Store(c + 1L * ldc, c1a, c1b, accumulate);
            if (r > 2) Store(c + 2L * ldc, c2a, c2b, accumulate);
            if (r > 3) Store(c + 3L * ldc, c3a, c3b, accumulate);
            if (r > 4) Store(c + 4L * ldc, c4a, c4b, accumulate);
            if (r > 5) Store(c + 5L * ldc, c5a, c5b, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector512<float> lo, Vector512<float> hi, bool full, bool accumulate)
        {
            if (accumulate) lo += Vector512.Load(c);
            Vector512.Store(lo, c);
            if (!full) return;
            if (accumulate) hi += Vector512.Load(c + 16);
            Vector512.Store(hi, c + 16);
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

        /// <summary>A tile width known when the JIT compiles a kernel instantiated over it: 32 columns, or the left 16.</summary>
        private interface IWidth { static abstract bool IsFull { get; } }
        private struct Full : IWidth { public static bool IsFull => true; }
        private struct Half : IWidth { public static bool IsFull => false; }

        /// <summary>A row count known when the JIT compiles a kernel instantiated over it.</summary>
        private interface IRows { static abstract int Count { get; } }
        private struct R1 : IRows { public static int Count => 1; }
        private struct R2 : IRows { public static int Count => 2; }
        private struct R3 : IRows { public static int Count => 3; }
        private struct R4 : IRows { public static int Count => 4; }
        private struct R5 : IRows { public static int Count => 5; }
        private struct R6 : IRows { public static int Count => 6; }
        private struct R7 : IRows { public static int Count => 7; }
        private struct R8 : IRows { public static int Count => 8; }
        private struct R9 : IRows { public static int Count => 9; }
        private struct R10 : IRows { public static int Count => 10; }
        private struct R11 : IRows { public static int Count => 11; }
        private struct R12 : IRows { public static int Count => 12; }
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
