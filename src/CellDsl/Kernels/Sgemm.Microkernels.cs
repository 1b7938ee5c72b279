using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CellDsl.Kernels
{
    /// <summary>The micro-kernels: the zmm register tile per row count and width, the ymm and xmm strips the other
    /// choices cover a 12×32 panel pair with, and their stores.</summary>
    public static unsafe partial class Sgemm
    {
        /// <summary>C[rows×32] (+)= Apanel[rows×kc] · Bpanel[kc×32] (or its left 16 or 8 columns, for <see cref="Half"/>
        /// and <see cref="Quarter"/>),
        /// with the kernel choice's tile specialised for this row count and width. Step p of the A panel is the rows
        /// at a + p·sa: sa = rows when packed, A's leading dimension when read in place.</summary>
        private static void Tile<TWidth, TOrder>(GemmTile kernel, int rows, int kc, float* a, int sa, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TWidth : struct, IWidth where TOrder : struct, IOrder
        {
            switch (kernel)
            {
                case GemmTile.Ymm12x16: Strips<Ymm, TWidth, TOrder>(12, rows, kc, a, sa, b, c, ldc, accumulate, pf, lines); return;
                case GemmTile.Ymm6x16: Strips<Ymm, TWidth, TOrder>(6, rows, kc, a, sa, b, c, ldc, accumulate, pf, lines); return;
                case GemmTile.Xmm12x8: Strips<Xmm, TWidth, TOrder>(12, rows, kc, a, sa, b, c, ldc, accumulate, pf, lines); return;
                case GemmTile.Xmm6x8: Strips<Xmm, TWidth, TOrder>(6, rows, kc, a, sa, b, c, ldc, accumulate, pf, lines); return;
            }
            // Eight columns are one ymm vector: a zmm would spend half its lanes (and on Zen 4 its cycles) on padding.
            if (TWidth.Columns == NR / 4) { Strips<Ymm, TWidth, TOrder>(MR, rows, kc, a, sa, b, c, ldc, accumulate, pf, lines); return; }
            switch (rows)
            {
                case 12: TileZmm<R12, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 11: TileZmm<R11, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 10: TileZmm<R10, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 9: TileZmm<R9, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 8: TileZmm<R8, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 7: TileZmm<R7, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 6: TileZmm<R6, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 5: TileZmm<R5, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 4: TileZmm<R4, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 3: TileZmm<R3, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                case 2: TileZmm<R2, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
                default: TileZmm<R1, TWidth, TOrder>(kc, a, sa, b, c, ldc, accumulate, pf, lines); break;
            }
        }

        /// <summary>A 12×32 panel pair (or its left 16 or 8 columns) in strips of up to <paramref name="stripRows"/> rows
        /// and two vectors of columns (one where fewer columns are left), rows outer: 6×16 on AVX2's 16 registers, 12×16
        /// with AVX-512VL's 32. The first strip issues the tile's share of the next block's prefetch.</summary>
        private static void Strips<TLanes, TWidth, TOrder>(int stripRows, int rows, int kc, float* a, int sa, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TLanes : struct, ILanes<TLanes> where TWidth : struct, IWidth where TOrder : struct, IOrder
        {
            int width = 2 * TLanes.Count, columns = TWidth.Columns;
            for (int g = 0; g < rows; g += stripRows)
            {
                int r = Math.Min(stripRows, rows - g);
                float* ag = a + (TOrder.ByRows ? (long)g * sa : g);
                for (int j = 0; j < columns; j += width, lines = 0)
                {
                    if (columns - j >= width) Strip<TLanes, V2, TOrder>(r, kc, ag, sa, b + j, c + (long)g * ldc + j, ldc, accumulate, pf, lines);
                    else Strip<TLanes, V1, TOrder>(r, kc, ag, sa, b + j, c + (long)g * ldc + j, ldc, accumulate, pf, lines);
                }
            }
        }

        private static void Strip<TLanes, TVectors, TOrder>(int rows, int kc, float* a, int stride, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TLanes : struct, ILanes<TLanes> where TVectors : struct, IRows where TOrder : struct, IOrder
        {
            switch (rows)
            {
                case 12: Strip<TLanes, R12, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 11: Strip<TLanes, R11, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 10: Strip<TLanes, R10, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 9: Strip<TLanes, R9, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 8: Strip<TLanes, R8, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 7: Strip<TLanes, R7, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 6: Strip<TLanes, R6, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 5: Strip<TLanes, R5, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 4: Strip<TLanes, R4, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 3: Strip<TLanes, R3, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                case 2: Strip<TLanes, R2, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
                default: Strip<TLanes, R1, TVectors, TOrder>(kc, a, stride, b, c, ldc, accumulate, pf, lines); break;
            }
        }

        /// <summary>The zmm register tile: C[r×32] (+)= Apanel[r×kc] · Bpanel[kc×32], r = TRows.Count ≤ 12 (24 accumulators,
        /// 2 loads and r broadcasts per 2r FMAs); the first <paramref name="lines"/> steps also prefetch a cache line
        /// each of <paramref name="pf"/> into L2. Step p of row i is a[p·sa + i], or a[p + i·sa] for rows read in place
        /// (<see cref="RowMajor"/>). TRows, TWidth and TOrder are JIT-time constants: the guards vanish and unused
        /// accumulators are never allocated, so each row count and width gets its own straight-line kernel. The
        /// half-width kernel (the left 16 columns, for narrow edges) runs the same FMA chain per element, so a result
        /// does not depend on whether its column lands in an edge tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TileZmm<TRows, TWidth, TOrder>(int kc, float* a, int sa, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TRows : struct, IRows where TWidth : struct, IWidth where TOrder : struct, IOrder
        {
            int r = TRows.Count;
            bool w = TWidth.Columns == NR;
            // C is read back only after the k loop: start fetching it now so the loads at the end do not stall.
            for (int i = 0; i < r; i++) { Sse.Prefetch0(c + (long)i * ldc); Sse.Prefetch0(c + (long)i * ldc + 31); }
            // Rows read in place lie sa apart: four row pointers and two strides reach all twelve by addressing modes.
            long s1 = sa, s2 = 2L * sa;
            float* a3 = a + 3 * s1, a6 = a + 6 * s1, a9 = a + 9 * s1;
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
                if (r > 1)  { var x = Vector512.Create(TOrder.ByRows ? a[s1] : a[1]); c01a = Vector512.FusedMultiplyAdd(x, b0, c01a); if (w) c01b = Vector512.FusedMultiplyAdd(x, b1, c01b); }
                if (r > 2)  { var x = Vector512.Create(TOrder.ByRows ? a[s2] : a[2]); c02a = Vector512.FusedMultiplyAdd(x, b0, c02a); if (w) c02b = Vector512.FusedMultiplyAdd(x, b1, c02b); }
                if (r > 3)  { var x = Vector512.Create(TOrder.ByRows ? a3[0] : a[3]); c03a = Vector512.FusedMultiplyAdd(x, b0, c03a); if (w) c03b = Vector512.FusedMultiplyAdd(x, b1, c03b); }
                if (r > 4)  { var x = Vector512.Create(TOrder.ByRows ? a3[s1] : a[4]); c04a = Vector512.FusedMultiplyAdd(x, b0, c04a); if (w) c04b = Vector512.FusedMultiplyAdd(x, b1, c04b); }
                if (r > 5)  { var x = Vector512.Create(TOrder.ByRows ? a3[s2] : a[5]); c05a = Vector512.FusedMultiplyAdd(x, b0, c05a); if (w) c05b = Vector512.FusedMultiplyAdd(x, b1, c05b); }
                if (r > 6)  { var x = Vector512.Create(TOrder.ByRows ? a6[0] : a[6]); c06a = Vector512.FusedMultiplyAdd(x, b0, c06a); if (w) c06b = Vector512.FusedMultiplyAdd(x, b1, c06b); }
                if (r > 7)  { var x = Vector512.Create(TOrder.ByRows ? a6[s1] : a[7]); c07a = Vector512.FusedMultiplyAdd(x, b0, c07a); if (w) c07b = Vector512.FusedMultiplyAdd(x, b1, c07b); }
                if (r > 8)  { var x = Vector512.Create(TOrder.ByRows ? a6[s2] : a[8]); c08a = Vector512.FusedMultiplyAdd(x, b0, c08a); if (w) c08b = Vector512.FusedMultiplyAdd(x, b1, c08b); }
                if (r > 9)  { var x = Vector512.Create(TOrder.ByRows ? a9[0] : a[9]); c09a = Vector512.FusedMultiplyAdd(x, b0, c09a); if (w) c09b = Vector512.FusedMultiplyAdd(x, b1, c09b); }
                if (r > 10) { var x = Vector512.Create(TOrder.ByRows ? a9[s1] : a[10]); c10a = Vector512.FusedMultiplyAdd(x, b0, c10a); if (w) c10b = Vector512.FusedMultiplyAdd(x, b1, c10b); }
                if (r > 11) { var x = Vector512.Create(TOrder.ByRows ? a9[s2] : a[11]); c11a = Vector512.FusedMultiplyAdd(x, b0, c11a); if (w) c11b = Vector512.FusedMultiplyAdd(x, b1, c11b); }
                if (TOrder.ByRows) { a++; a3++; a6++; a9++; }
                else a += sa;
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

        /// <summary>A strip of the register tile in TLanes vectors: C[r×2v] (+)= A[r×kc] · B[kc×2v] (C[r×v] with one vector,
        /// TVectors = V1), r = TRows.Count ≤ 12 (up to 24 accumulators), v = TLanes.Count columns per vector. Row i of
        /// step p is a[p·stride + i] (stride: the panel's row count, or Aᵀ's leading dimension in place), or a[p + i·stride]
        /// for rows of A read in place. The same FMA chain per element as the zmm tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Strip<TLanes, TRows, TVectors, TOrder>(int kc, float* a, int stride, float* b, float* c, int ldc, bool accumulate, float* pf, int lines)
            where TLanes : struct, ILanes<TLanes> where TRows : struct, IRows where TVectors : struct, IRows where TOrder : struct, IOrder
        {
            int r = TRows.Count, v = TLanes.Count;
            bool w = TVectors.Count == 2;
            long s1 = stride, s2 = 2L * stride;
            float* a3 = a + 3 * s1, a6 = a + 6 * s1, a9 = a + 9 * s1;
            TLanes c00a = default, c00b = default, c01a = default, c01b = default;
            TLanes c02a = default, c02b = default, c03a = default, c03b = default;
            TLanes c04a = default, c04b = default, c05a = default, c05b = default;
            TLanes c06a = default, c06b = default, c07a = default, c07b = default;
            TLanes c08a = default, c08b = default, c09a = default, c09b = default;
            TLanes c10a = default, c10b = default, c11a = default, c11b = default;
            for (int p = 0; p < kc; p++)
            {
                if (Sse.IsSupported && p < lines) { Sse.Prefetch1(pf); pf += 16; }
                var b0 = TLanes.Load(b);
                var b1 = w ? TLanes.Load(b + v) : default;
                { var x = TLanes.Create(a[0]); c00a = TLanes.MultiplyAdd(x, b0, c00a); if (w) c00b = TLanes.MultiplyAdd(x, b1, c00b); }
                if (r > 1)  { var x = TLanes.Create(TOrder.ByRows ? a[s1] : a[1]); c01a = TLanes.MultiplyAdd(x, b0, c01a); if (w) c01b = TLanes.MultiplyAdd(x, b1, c01b); }
                if (r > 2)  { var x = TLanes.Create(TOrder.ByRows ? a[s2] : a[2]); c02a = TLanes.MultiplyAdd(x, b0, c02a); if (w) c02b = TLanes.MultiplyAdd(x, b1, c02b); }
                if (r > 3)  { var x = TLanes.Create(TOrder.ByRows ? a3[0] : a[3]); c03a = TLanes.MultiplyAdd(x, b0, c03a); if (w) c03b = TLanes.MultiplyAdd(x, b1, c03b); }
                if (r > 4)  { var x = TLanes.Create(TOrder.ByRows ? a3[s1] : a[4]); c04a = TLanes.MultiplyAdd(x, b0, c04a); if (w) c04b = TLanes.MultiplyAdd(x, b1, c04b); }
                if (r > 5)  { var x = TLanes.Create(TOrder.ByRows ? a3[s2] : a[5]); c05a = TLanes.MultiplyAdd(x, b0, c05a); if (w) c05b = TLanes.MultiplyAdd(x, b1, c05b); }
                if (r > 6)  { var x = TLanes.Create(TOrder.ByRows ? a6[0] : a[6]); c06a = TLanes.MultiplyAdd(x, b0, c06a); if (w) c06b = TLanes.MultiplyAdd(x, b1, c06b); }
                if (r > 7)  { var x = TLanes.Create(TOrder.ByRows ? a6[s1] : a[7]); c07a = TLanes.MultiplyAdd(x, b0, c07a); if (w) c07b = TLanes.MultiplyAdd(x, b1, c07b); }
                if (r > 8)  { var x = TLanes.Create(TOrder.ByRows ? a6[s2] : a[8]); c08a = TLanes.MultiplyAdd(x, b0, c08a); if (w) c08b = TLanes.MultiplyAdd(x, b1, c08b); }
                if (r > 9)  { var x = TLanes.Create(TOrder.ByRows ? a9[0] : a[9]); c09a = TLanes.MultiplyAdd(x, b0, c09a); if (w) c09b = TLanes.MultiplyAdd(x, b1, c09b); }
                if (r > 10) { var x = TLanes.Create(TOrder.ByRows ? a9[s1] : a[10]); c10a = TLanes.MultiplyAdd(x, b0, c10a); if (w) c10b = TLanes.MultiplyAdd(x, b1, c10b); }
                if (r > 11) { var x = TLanes.Create(TOrder.ByRows ? a9[s2] : a[11]); c11a = TLanes.MultiplyAdd(x, b0, c11a); if (w) c11b = TLanes.MultiplyAdd(x, b1, c11b); }
                if (TOrder.ByRows) { a++; a3++; a6++; a9++; }
                else a += stride;
                b += NR;
            }
            TLanes.Store(c + 0L * ldc, c00a, c00b, w, accumulate);
            if (r > 1)  TLanes.Store(c + 1L * ldc, c01a, c01b, w, accumulate);
            if (r > 2)  TLanes.Store(c + 2L * ldc, c02a, c02b, w, accumulate);
            if (r > 3)  TLanes.Store(c + 3L * ldc, c03a, c03b, w, accumulate);
            if (r > 4)  TLanes.Store(c + 4L * ldc, c04a, c04b, w, accumulate);
            if (r > 5)  TLanes.Store(c + 5L * ldc, c05a, c05b, w, accumulate);
            if (r > 6)  TLanes.Store(c + 6L * ldc, c06a, c06b, w, accumulate);
            if (r > 7)  TLanes.Store(c + 7L * ldc, c07a, c07b, w, accumulate);
            if (r > 8)  TLanes.Store(c + 8L * ldc, c08a, c08b, w, accumulate);
            if (r > 9)  TLanes.Store(c + 9L * ldc, c09a, c09b, w, accumulate);
            if (r > 10) TLanes.Store(c + 10L * ldc, c10a, c10b, w, accumulate);
            if (r > 11) TLanes.Store(c + 11L * ldc, c11a, c11b, w, accumulate);
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

        /// <summary>One vector width for the strips, a JIT-time constant like the row count.</summary>
        private interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
        {
            static abstract int Count { get; }
            static abstract TSelf Load(float* p);
            static abstract void Save(TSelf v, float* p);
            static abstract TSelf Create(float x);
            static abstract TSelf Add(TSelf x, TSelf y);
            /// <summary>x·b + c, rounded once.</summary>
            static abstract TSelf MultiplyAdd(TSelf x, TSelf b, TSelf c);

            /// <summary>Two vectors to c and c + Count (the first only, unless <paramref name="both"/>), added to what is there
            /// when <paramref name="accumulate"/>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            static virtual void Store(float* c, TSelf lo, TSelf hi, bool both, bool accumulate)
            {
                if (accumulate) lo = TSelf.Add(lo, TSelf.Load(c));
                TSelf.Save(lo, c);
                if (!both) return;
                if (accumulate) hi = TSelf.Add(hi, TSelf.Load(c + TSelf.Count));
                TSelf.Save(hi, c + TSelf.Count);
            }
        }

        private readonly struct Ymm : ILanes<Ymm>
        {
            private readonly Vector256<float> _v;
            private Ymm(Vector256<float> v) => _v = v;
            public static int Count => Vector256<float>.Count;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ymm Load(float* p) => new(Vector256.Load(p));
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Save(Ymm v, float* p) => Vector256.Store(v._v, p);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ymm Create(float x) => new(Vector256.Create(x));
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ymm Add(Ymm x, Ymm y) => new(x._v + y._v);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ymm MultiplyAdd(Ymm x, Ymm b, Ymm c) => new(Vector256.FusedMultiplyAdd(x._v, b._v, c._v));
        }

        private readonly struct Xmm : ILanes<Xmm>
        {
            private readonly Vector128<float> _v;
            private Xmm(Vector128<float> v) => _v = v;
            public static int Count => Vector128<float>.Count;
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Xmm Load(float* p) => new(Vector128.Load(p));
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Save(Xmm v, float* p) => Vector128.Store(v._v, p);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Xmm Create(float x) => new(Vector128.Create(x));
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Xmm Add(Xmm x, Xmm y) => new(x._v + y._v);
            [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Xmm MultiplyAdd(Xmm x, Xmm b, Xmm c) => new(Vector128.FusedMultiplyAdd(x._v, b._v, c._v));
        }

        /// <summary>A tile width known when the JIT compiles a kernel instantiated over it: 32 columns, or the left 16 or 8.</summary>
        private interface IWidth { static abstract int Columns { get; } }
        private struct Full : IWidth { public static int Columns => NR; }
        private struct Half : IWidth { public static int Columns => NR / 2; }
        private struct Quarter : IWidth { public static int Columns => NR / 4; }

        /// <summary>Vectors of columns per strip row, a JIT-time constant: two, or one at a narrow edge.</summary>
        private struct V1 : IRows { public static int Count => 1; }
        private struct V2 : IRows { public static int Count => 2; }

        /// <summary>How A's elements lie, known when the JIT compiles a kernel instantiated over it: row i of step p at
        /// a[p·sa + i] (<see cref="StepMajor"/>: packed panels, sa = their row count, or Aᵀ read in place, sa = its leading
        /// dimension), or at a[p + i·sa] (<see cref="RowMajor"/>: rows of A read in place, sa = A's leading dimension).</summary>
        private interface IOrder { static abstract bool ByRows { get; } }
        private struct StepMajor : IOrder { public static bool ByRows => false; }
        private struct RowMajor : IOrder { public static bool ByRows => true; }

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
