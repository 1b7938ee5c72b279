using System;
using System.Numerics.Tensors;

namespace CellDsl.Kernels
{
    /// <summary>Row-wise helpers over strided blocks of the workspace (column blocks of stacked projections). Sums and
    /// copies of a whole step's rows (the state gradients carried between steps) are split by rows between the two
    /// cores when large enough (see <see cref="Worker"/>); each element is one addition or copy either way.</summary>
    public static unsafe class RowOps
    {
        /// <summary>dst[r, 0..width) += src[r, 0..width) for r in [0, rows).</summary>
        public static void Add(float[] dst, int dstOffset, int dstStride, float[] src, int srcOffset, int srcStride, int rows, int width)
        {
            Check(dst, dstOffset, dstStride, rows, width, nameof(dst));
            Check(src, srcOffset, srcStride, rows, width, nameof(src));
            fixed (float* d = dst, s = src)
            {
                var block = new Block
                {
                    Dst = d + dstOffset, X = d + dstOffset, Y = s + srcOffset, DstStride = dstStride, XStride = dstStride, YStride = srcStride, Width = width,
                };
                Run(ref block, &SumRows, rows, Overlap(block.Dst, dstStride, block.Y, srcStride, rows, width));
            }
        }

        /// <summary>dst[r, 0..width) = x[r, 0..width) + y[r, 0..width) for r in [0, rows).</summary>
        public static void Sum(float[] dst, int dstOffset, int dstStride, float[] x, int xOffset, int xStride,
            float[] y, int yOffset, int yStride, int rows, int width)
        {
            Check(dst, dstOffset, dstStride, rows, width, nameof(dst));
            Check(x, xOffset, xStride, rows, width, nameof(x));
            Check(y, yOffset, yStride, rows, width, nameof(y));
            fixed (float* d = dst, px = x, py = y)
            {
                var block = new Block
                {
                    Dst = d + dstOffset, X = px + xOffset, Y = py + yOffset, DstStride = dstStride, XStride = xStride, YStride = yStride, Width = width,
                };
                // Each element reads only its own x and y, so even a destination that is one of them splits safely
                // unless rows of different offsets overlap.
                bool overlapping = Overlap(block.Dst, dstStride, block.X, xStride, rows, width) || Overlap(block.Dst, dstStride, block.Y, yStride, rows, width);
                Run(ref block, &SumRows, rows, overlapping);
            }
        }

        /// <summary>dst[r, 0..width) = 0 for r in [0, rows).</summary>
        public static void Clear(float[] dst, int dstOffset, int dstStride, int rows, int width)
        {
            if (dstStride == width) { Array.Clear(dst, dstOffset, rows * width); return; }
            for (int r = 0; r < rows; r++) Array.Clear(dst, dstOffset + r * dstStride, width);
        }

        /// <summary>dst[r, 0..width) = src[r, 0..width) for r in [0, rows).</summary>
        public static void Copy(float[] dst, int dstOffset, int dstStride, float[] src, int srcOffset, int srcStride, int rows, int width)
        {
            Check(dst, dstOffset, dstStride, rows, width, nameof(dst));
            Check(src, srcOffset, srcStride, rows, width, nameof(src));
            fixed (float* d = dst, s = src)
            {
                var block = new Block { Dst = d + dstOffset, X = s + srcOffset, DstStride = dstStride, XStride = srcStride, Width = width };
                // Overlapping rows must be copied in one order on one thread (as Array.Copy does).
                Run(ref block, &CopyRows, rows, Overlap(block.Dst, dstStride, block.X, srcStride, rows, width));
            }
        }

        /// <summary>dst[r, 0..width) += bias[0..width) for r in [0, rows): the b of Linear(a, v) = W v + b.</summary>
        public static void AddBias(float[] dst, int dstOffset, int dstStride, float[] bias, int biasOffset, int rows, int width)
        {
            var b = new ReadOnlySpan<float>(bias, biasOffset, width);
            for (int r = 0; r < rows; r++)
            {
                var d = new Span<float>(dst, dstOffset + r * dstStride, width);
                TensorPrimitives.Add(d, b, d);
            }
        }

        /// <summary>One call's operands, on the caller's stack while both threads read them.</summary>
        private struct Block
        {
            public float* Dst, X, Y;
            public int DstStride, XStride, YStride, Width;
        }

        private static void Run(ref Block block, delegate*<void*, int, int, void> range, int rows, bool overlapping)
        {
            if (rows <= 0 || block.Width <= 0) return;
            int split = overlapping ? 0 : Worker.SplitElementRows(rows, block.Width);
            fixed (Block* b = &block)
            {
                if (split > 0)
                {
                    Worker.Run(new Worker.Job { Kernel = b, Range = range, Split = split, End = rows, Kind = TraceKind.Rows, M = rows, N = block.Width });
                    return;
                }
                WorkerTrace.BeginCall(TraceKind.Rows, rows, block.Width, 0);
                range(b, 0, rows);
                WorkerTrace.EndCall();
            }
        }

        private static void SumRows(void* args, int lo, int hi)
        {
            var b = (Block*)args;
            for (int r = lo; r < hi; r++)
                TensorPrimitives.Add(new ReadOnlySpan<float>(b->X + (long)r * b->XStride, b->Width),
                    new ReadOnlySpan<float>(b->Y + (long)r * b->YStride, b->Width), new Span<float>(b->Dst + (long)r * b->DstStride, b->Width));
        }

        private static void CopyRows(void* args, int lo, int hi)
        {
            var b = (Block*)args;
            if (b->DstStride == b->Width && b->XStride == b->Width)
            {
                // Contiguous rows: one copy.
                long n = (long)(hi - lo) * b->Width;
                Buffer.MemoryCopy(b->X + (long)lo * b->Width, b->Dst + (long)lo * b->Width, n * sizeof(float), n * sizeof(float));
                return;
            }
            for (int r = lo; r < hi; r++)
                new ReadOnlySpan<float>(b->X + (long)r * b->XStride, b->Width).CopyTo(new Span<float>(b->Dst + (long)r * b->DstStride, b->Width));
        }

        /// <summary>Whether two strided blocks share memory other than element for element (the same offsets and strides).</summary>
        private static bool Overlap(float* a, int aStride, float* b, int bStride, int rows, int width)
        {
            if (a == b && aStride == bStride) return false;
            float* aEnd = a + (long)(rows - 1) * aStride + width, bEnd = b + (long)(rows - 1) * bStride + width;
            return a < bEnd && b < aEnd;
        }

        private static void Check(float[] x, int offset, int stride, int rows, int width, string name)
        {
            if (rows <= 0 || width <= 0) return;
            if (offset < 0 || stride < width || (long)offset + (long)(rows - 1) * stride + width > x.Length)
                throw new ArgumentOutOfRangeException(name,
                    $"{rows} rows of {width} floats with stride {stride} at offset {offset} do not fit in {x.Length} floats");
        }
    }
}
