using System;
using System.Numerics.Tensors;

namespace CellDsl.Kernels
{
    /// <summary>Row-wise helpers over strided blocks of the workspace (column blocks of stacked projections).</summary>
    public static class RowOps
    {
        /// <summary>dst[r, 0..width) += src[r, 0..width) for r in [0, rows).</summary>
        public static void Add(float[] dst, int dstOffset, int dstStride, float[] src, int srcOffset, int srcStride, int rows, int width)
        {
            for (int r = 0; r < rows; r++)
            {
                var d = new Span<float>(dst, dstOffset + r * dstStride, width);
                TensorPrimitives.Add(d, new ReadOnlySpan<float>(src, srcOffset + r * srcStride, width), d);
            }
        }

        /// <summary>dst[r, 0..width) = x[r, 0..width) + y[r, 0..width) for r in [0, rows).</summary>
        public static void Sum(float[] dst, int dstOffset, int dstStride, float[] x, int xOffset, int xStride,
            float[] y, int yOffset, int yStride, int rows, int width)
        {
            for (int r = 0; r < rows; r++)
                TensorPrimitives.Add(new ReadOnlySpan<float>(x, xOffset + r * xStride, width), new ReadOnlySpan<float>(y, yOffset + r * yStride, width),
                    new Span<float>(dst, dstOffset + r * dstStride, width));
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
            for (int r = 0; r < rows; r++)
                Array.Copy(src, srcOffset + r * srcStride, dst, dstOffset + r * dstStride, width);
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
    }
}
