using System;
using System.Runtime.InteropServices;

namespace CellDsl.Kernels
{
    /// <summary>
    /// A GotoBLAS/BLIS-shaped single-precision GEMM: C[m×n] (+)= op(A)·op(B) with op(A) = A or Aᵀ and op(B) = B or Bᵀ,
    /// on row-major arrays with offsets and leading dimensions.
    /// </summary>
    /// <remarks>
    /// Packed layout: op(A) in 12-row panels and op(B) in 32-column panels, k-major, per KC = 256 block. The register
    /// tile that runs over a 12×32 panel pair, and the cache blocking around it, are a <see cref="GemmKernel"/> chosen
    /// from the CPU (see its table): on AVX-512, 12 rows × 32 columns, each step k broadcasting twelve elements of A
    /// against two zmm vectors of B (24 accumulators). Blocking follows from which side is broadcast: a 12-row panel
    /// of A (12·KC floats, 12 KiB) stays in L1 while the tile walks across a block of B panels (KC·NB floats, half the
    /// L2; half that again when prepacked) that stays in L2; A is packed once per KC block for up to MB rows.
    /// Loops: M in blocks of MB, K in blocks of KC (pack A),
    /// N in blocks of NB (pack B, unless prepacked, or packed once for all row blocks when M has several), then 12-row
    /// panels of A, then 32-column panels of B.
    /// The last rows of M get a tile of their own height (kernels are specialised per row count), so M = 20 or 64
    /// costs no padded rows. Packing buffers are per thread and grow once, so calls do not allocate.
    ///
    /// Numerics: every element of C is one FMA chain over k in order within each KC block, blocks added in order, so
    /// a result does not depend on M, N, the tile an element lands in, the kernel choice or the thread that computes it.
    /// </remarks>
    public static unsafe partial class Sgemm
    {
        public const int MR = 12;
        public const int NR = 32;
        // The depth of a block is part of the numbers (one FMA chain per block, blocks added in order): the same for
        // every kernel choice. NB, MB and the prepacked NB come from the L2 size (GemmKernel).
        internal const int KC = 256;

        /// <summary>Threads a product may run on (the caller and one worker): 2, or 1 with CELLDSL_THREADS=1 or one core.</summary>
        public static int Threads => Worker.Threads;

        [ThreadStatic] private static float* t_packA;
        [ThreadStatic] private static long t_packACapacity;
        [ThreadStatic] private static float* t_packB;
        [ThreadStatic] private static long t_packBCapacity;
        [ThreadStatic] private static float* t_packBAll;
        [ThreadStatic] private static long t_packBAllCapacity;

        /// <summary>A buffer for <paramref name="rows"/> packed rows of one KC block; grows to the largest asked, at most MB rows.</summary>
        private static float* PackA(int rows) => Grow(ref t_packA, ref t_packACapacity, (long)rows * KC);

        /// <summary>A buffer for one block of B, <paramref name="columns"/> (NB) wide; grows once per blocking used.</summary>
        private static float* PackB(int columns) => Grow(ref t_packB, ref t_packBCapacity, (long)columns * KC);

        /// <summary>A buffer for all of op(B) packed once for a product of several row blocks (<see cref="PackBOnce"/>).</summary>
        private static float* PackBAll(long floats) => Grow(ref t_packBAll, ref t_packBAllCapacity, floats);

        private static float* Grow(ref float* buffer, ref long capacity, long need)
        {
            if (need > capacity)
            {
                if (buffer != null) NativeMemory.AlignedFree(buffer);
                buffer = (float*)NativeMemory.AlignedAlloc((nuint)(need * sizeof(float)), 64);
                capacity = need;
            }
            return buffer;
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
                WorkerTrace.BeginCall(TraceKind.Gemm, m, n, k);
                Columns(transA, transB, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate);
                WorkerTrace.EndCall();
                return;
            }
            Worker.Run(new Worker.Job { TransA = transA, TransB = transB, ByRows = byRows, Split = split, End = byRows ? m : n, M = m, N = n, K = k, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc, Accumulate = accumulate });
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
                WorkerTrace.BeginCall(TraceKind.Gemm, m, n, k);
                Columns(transA, m, 0, n, a, lda, b, c, ldc, accumulate);
                WorkerTrace.EndCall();
                return;
            }
            Worker.Run(new Worker.Job { TransA = transA, ByRows = byRows, Split = split, End = byRows ? m : n, M = m, N = n, K = k, A = a, Lda = lda, Packed = b, C = c, Ldc = ldc, Accumulate = accumulate });
        }
    }
}
