using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CellDsl.Kernels
{
    /// <summary>The micro-kernels: the zmm register tile per row count and width, the ymm half-tiles without AVX-512, and their stores.</summary>
    public static unsafe partial class Sgemm
    {
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
