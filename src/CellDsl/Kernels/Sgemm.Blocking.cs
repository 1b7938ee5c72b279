using System;
using System.Runtime.CompilerServices;

namespace CellDsl.Kernels
{
    /// <summary>The blocking loops: M, K and N blocks around the register tile, with B packed on the fly or prepacked.</summary>
    public static unsafe partial class Sgemm
    {
        /// <summary>Whether operands already in a panel's layout are read where they are rather than packed: on, except
        /// in tests that compare the two (the same values in the same order, so the same bits).</summary>
        internal static bool ReadInPlace { get; set; } = true;

        /// <summary>Whether packing transposes in registers (AVX 8×8 blocks) rather than gathering or copying element by
        /// element: on, except in tests and benchmarks that compare the two (the same values into the same places).</summary>
        internal static bool TransposeInRegisters { get; set; } = true;

        /// <summary>Whether an edge of up to 8 columns runs the one-vector (8-column) tile, and an edge exactly as wide as
        /// its tile is computed into C without the scratch tile: on, except in tests and benchmarks that compare them with
        /// the 16-column half tile through scratch (each element is the same FMA chain either way).</summary>
        internal static bool NarrowEdges { get; set; } = true;

        /// <summary>Whether the rows of a plain (not transposed) A are read where they are rather than packed, in the
        /// products <see cref="InPlaceColumns"/> allows: on, except in tests and benchmarks that compare the two.</summary>
        internal static bool ReadRowsInPlace { get; set; } = true;

        /// <summary>Whether a product of more than MB rows packs op(B) once for all its row blocks (at most
        /// <see cref="PackOnceFloats"/> of it) rather than once per block: on, except in tests and benchmarks that compare
        /// the two (the same panels, read from one buffer instead of refilled, so the same bits).</summary>
        internal static bool PackBOnce { get; set; } = true;

        /// <summary>The most of op(B), in floats, packed once per product: 32 MiB, so the buffer (one per thread) stays
        /// bounded; the decoder's dW at H = 650 needs 0.5M floats, a cell's dW at 4H = 2600 rows as many.</summary>
        internal const long PackOnceFloats = 8L << 20;

        /// <summary>The widest product whose transposed A is read in place rather than packed (8 column panels).</summary>
        internal const int InPlaceColumns = 8 * NR;

        /// <summary>Columns [n0, n1) of C (+)= op(A)·op(B), packing op(B) block by block. op(A) = Aᵀ of a row-major
        /// [k×m] A holds a panel's 12 rows side by side at each k, so it is read in place (as oneDNN's brgemm does)
        /// when at most <see cref="InPlaceColumns"/> columns reuse each panel: the decoder's dW = dlogitsᵀ·h ran 7%
        /// faster so at H = 200 (7 column panels) and 5% slower at H = 650 (21 panels: the in-place panel's rows lie
        /// 40 KB apart, on a page each, and are refetched for every column panel). B is always packed: a panel's 32
        /// columns of a row-major B [k×n] are contiguous too, but at a row stride that is not a multiple of 64 bytes
        /// (H = 200, 650) half the vector loads split a cache line, and dh = dlogits·W ran 10% slower in place. A plain A
        /// is read in place as rows too, under the same bound (the kernels reach a panel's 12 rows, lda apart, from four
        /// pointers): dh = dlogits·W at H = 200 packed the 400×10k dlogits for 7 column panels and ran about 9% faster
        /// without (measured under load); at H = 650 and for the logits h·Wᵀ it was even.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Columns(bool transA, bool transB, int m, int n0, int n1, int k, float* a, int lda, float* b, int ldb,
            float* c, int ldc, bool accumulate)
        {
            // One choice for the whole call: a test may switch it between calls, and the buffers are sized for it.
            var kernel = GemmKernel.Current;
            var tile = kernel.Tile;
            bool aInPlace = transA && ReadInPlace && n1 - n0 <= InPlaceColumns;
            bool aRows = !transA && ReadRowsInPlace && n1 - n0 <= InPlaceColumns;
            // Several row blocks read the same op(B): pack all of it once, as PackedMatrix lays it out (columns from
            // n0), and walk it as prepacked weights, instead of packing each block again for every MB rows.
            int width = RoundUp(n1 - n0);
            bool once = PackBOnce && m > kernel.MB && (long)width * k <= PackOnceFloats;
            float* packB = once ? PackBAll((long)width * k) : PackB(kernel.NB);
            if (once)
                for (int pc = 0; pc < k; pc += KC)
                    PackPanelsB(transB, b, ldb, pc, Math.Min(KC, k - pc), n0, n1 - n0, packB + (long)pc * width);
            int step = once ? kernel.PrepackedNB : kernel.NB;
            for (int ic = 0; ic < m; ic += kernel.MB)
            {
                int mb = Math.Min(kernel.MB, m - ic);
                float* packA = aInPlace || aRows ? null : PackA(mb);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    if (packA != null) PackPanelsA(transA, a, lda, ic, mb, pc, kc, packA);
                    float* blockA = aInPlace ? a + (long)pc * lda + ic : aRows ? a + (long)ic * lda + pc : packA;
                    for (int jc = n0; jc < n1; jc += step)
                    {
                        int nb = Math.Min(step, n1 - jc);
                        float* panels = packB, next = null;
                        int nextLines = 0;
                        if (once)
                        {
                            panels = packB + (long)pc * width + (long)(jc - n0) * kc;
                            next = NextBlock(packB, width, n0, n0, n1, k, pc, jc, step, kc, out nextLines);
                        }
                        else
                        {
                            PackPanelsB(transB, b, ldb, pc, kc, jc, nb, packB);
                        }
                        if (aRows) Block<RowMajor>(tile, kc, blockA, lda, mb, panels, nb, c + (long)ic * ldc + jc, ldc, acc, next, nextLines);
                        else Block<StepMajor>(tile, kc, blockA, aInPlace ? lda : 0, mb, panels, nb, c + (long)ic * ldc + jc, ldc, acc, next, nextLines);
                    }
                }
            }
        }

        /// <summary>The packed block the tiles pull into L2 while they run block (pc, jc) of columns [n0, n1): the next
        /// columns of this KC block, else the first of the next; none after the last. <paramref name="data"/> holds the
        /// packed columns from <paramref name="first"/> on, <paramref name="width"/> of them per step of k.</summary>
        private static float* NextBlock(float* data, int width, int first, int n0, int n1, int k, int pc, int jc, int step, int kc, out int lines)
        {
            if (jc + step < n1)
            {
                lines = kc * RoundUp(Math.Min(step, n1 - jc - step)) / 16;
                return data + (long)pc * width + (long)(jc + step - first) * kc;
            }
            if (pc + KC < k)
            {
                int kn = Math.Min(KC, k - pc - KC);
                lines = kn * RoundUp(Math.Min(step, n1 - n0)) / 16;
                return data + (long)(pc + KC) * width + (long)(n0 - first) * kn;
            }
            lines = 0;
            return null;
        }
        /// <summary>Columns [n0, n1) of C (+)= op(A)·B with B prepacked; n0 is a multiple of 32.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Columns(bool transA, int m, int n0, int n1, float* a, int lda, PackedMatrix b, float* c, int ldc, bool accumulate)
        {
            int k = b.Depth;
            var kernel = GemmKernel.Current;
            var tile = kernel.Tile;
            for (int ic = 0; ic < m; ic += kernel.MB)
            {
                int mb = Math.Min(kernel.MB, m - ic);
                float* packA = PackA(mb);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    PackPanelsA(transA, a, lda, ic, mb, pc, kc, packA);
                    float* panels = b.Data + (long)pc * b.PaddedColumns;
                    for (int jc = n0; jc < n1; jc += kernel.PrepackedNB)
                    {
                        float* next = NextBlock(b.Data, b.PaddedColumns, 0, n0, n1, k, pc, jc, kernel.PrepackedNB, kc, out int nextLines);
                        Block<StepMajor>(tile, kc, packA, 0, mb, panels + (long)jc * kc, Math.Min(kernel.PrepackedNB, n1 - jc), c + (long)ic * ldc + jc, ldc, acc, next, nextLines);
                    }
                }
            }
        }

        /// <summary>C[mb×nb] (+)= A (12-row panels) · packed B (32-column panels), one KC block: each A panel stays in
        /// L1 while it passes over the whole B block (in L2). <paramref name="lda"/> = 0: A is packed panels; else A is
        /// read in place, step p of rows i.. at a + p·lda + i. When the next B block is already packed
        /// (<paramref name="next"/>, <paramref name="nextLines"/> cache lines), the tiles pull it into L2 meanwhile, a
        /// share each: weights bigger than L3 stream at DRAM speed, and this overlaps that stream with the FMAs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Block<TOrder>(GemmTile kernel, int kc, float* a, int lda, int mb, float* packB, int nb, float* c, int ldc, bool accumulate, float* next, int nextLines)
            where TOrder : struct, IOrder
        {
            int tiles = (mb + MR - 1) / MR * ((nb + NR - 1) / NR);
            int lines = next == null ? 0 : Math.Min(kc, (nextLines + tiles - 1) / tiles); // at most a line per k step
            int tile = 0;
            for (int ir = 0; ir < mb; ir += MR)
            {
                int rows = Math.Min(MR, mb - ir);
                float* ap = lda == 0 ? a + (long)ir * kc : TOrder.ByRows ? a + (long)ir * lda : a + ir;
                int sa = lda == 0 ? rows : lda;
                float* cr = c + (long)ir * ldc;
                for (int jr = 0; jr < nb; jr += NR, tile++)
                {
                    float* bp = packB + (long)jr * kc;
                    float* pf = next + (long)tile * lines * 16;
                    if (nb - jr >= NR) Tile<Full, TOrder>(kernel, rows, kc, ap, sa, bp, cr + jr, ldc, accumulate, pf, lines);
                    else EdgeTile<TOrder>(kernel, rows, nb - jr, kc, ap, sa, bp, cr + jr, ldc, accumulate, pf, lines);
                }
            }
        }

        /// <summary>A tile narrower than 32 columns (the last of a row): computed into a scratch tile (B's panel is
        /// zero-padded), then the valid columns are written. Up to 16 columns compute only the panel's left half, up to 8
        /// its left quarter (one ymm vector): the edge of N = 200 (8 columns) or 650 (10) would otherwise cost a full
        /// tile. An edge exactly that wide (8, 16: N = 200, 10000) is computed into C directly.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void EdgeTile<TOrder>(GemmTile kernel, int rows, int cols, int kc, float* ap, int sa, float* bp, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TOrder : struct, IOrder
        {
            int width = cols <= NR / 4 && NarrowEdges ? NR / 4 : cols <= NR / 2 ? NR / 2 : NR;
            bool direct = cols == width && NarrowEdges;
            float* tile = stackalloc float[MR * NR];
            float* into = direct ? c : tile;
            int ldInto = direct ? ldc : NR;
            bool add = direct && accumulate;
            if (width == NR / 4) Tile<Quarter, TOrder>(kernel, rows, kc, ap, sa, bp, into, ldInto, add, pf, lines);
            else if (width == NR / 2) Tile<Half, TOrder>(kernel, rows, kc, ap, sa, bp, into, ldInto, add, pf, lines);
            else Tile<Full, TOrder>(kernel, rows, kc, ap, sa, bp, into, ldInto, add, pf, lines);
            if (direct) return;
            for (int i = 0; i < rows; i++)
            {
                float* dst = c + (long)i * ldc, src = tile + i * NR;
                if (accumulate) for (int j = 0; j < cols; j++) dst[j] += src[j];
                else for (int j = 0; j < cols; j++) dst[j] = src[j];
            }
        }
    }
}
