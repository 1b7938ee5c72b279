using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CellDsl.Kernels
{
    /// <summary>A fused elementwise loop over rows × columns [j0, j1), written once for any lane width.</summary>
    public interface IColumnKernel
    {
        void Run<V>(int j0, int j1) where V : struct, ISimd<V>;
    }

    /// <summary>The lane width the fused loops run at: the widest the machine has (with narrower ones for the rest
    /// of a row), or one width forced for all full vectors of a row, the scalar tail after it.</summary>
    public enum LaneWidth
    {
        Auto = 0,
        Scalar = 1,
        V128 = 128,
        V256 = 256,
        V512 = 512,
    }

    public static unsafe class Columns
    {
        /// <summary>Forces one lane width in every fused loop (tests run each width the machine has; see
        /// <see cref="GemmKernel.Current"/> for the GEMM). The vector widths compute the same bits: lane-wise IEEE
        /// arithmetic and one activation body per width. The scalar path uses MathF.Exp, within the activations' few
        /// ulps of the vector ones.</summary>
        internal static LaneWidth Width = LaneWidth.Auto;

        /// <summary>Whether this machine runs <paramref name="width"/> in hardware.</summary>
        public static bool IsAccelerated(LaneWidth width) => width switch
        {
            LaneWidth.V512 => Vector512.IsHardwareAccelerated,
            LaneWidth.V256 => Vector256.IsHardwareAccelerated,
            LaneWidth.V128 => Vector128.IsHardwareAccelerated,
            _ => true,
        };

        /// <summary>Runs <paramref name="kernel"/> over columns [0, width) of <paramref name="rows"/> rows, split between
        /// the two cores when the loop is big enough (see <see cref="Worker"/>). The kernel must be a local of the
        /// caller: the worker reads it through a pointer while the caller waits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run<TKernel>(ref TKernel kernel, int width, int rows) where TKernel : struct, IColumnKernel
        {
            int split = Worker.SplitColumns(rows, width);
            if (split <= 0)
            {
                WorkerTrace.BeginCall(TraceKind.Loop, rows, width, 0);
                Range(ref kernel, 0, width);
                WorkerTrace.EndCall();
                return;
            }
            // Kind, M and N only describe the loop to the trace.
            Worker.Run(new Worker.Job { Kernel = Unsafe.AsPointer(ref kernel), Range = &Range<TKernel>, Split = split, End = width, Kind = TraceKind.Loop, M = rows, N = width });
        }

        private static void Range<TKernel>(void* kernel, int j0, int j1) where TKernel : struct, IColumnKernel
            => Range(ref Unsafe.AsRef<TKernel>(kernel), j0, j1);

        /// <summary>Runs <paramref name="kernel"/> over columns [j0, j1) on this thread: full zmm vectors, then ymm (xmm on
        /// machines whose vectors stop at 128 bits), then scalars; or the forced <see cref="Width"/>, then scalars.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Range<TKernel>(ref TKernel kernel, int j0, int j1) where TKernel : struct, IColumnKernel
        {
            int j = j0;
            switch (Width)
            {
                case LaneWidth.Auto:
                    if (Vector512.IsHardwareAccelerated) j = Lanes<TKernel, Simd512>(ref kernel, j, j1);
                    if (Vector256.IsHardwareAccelerated) j = Lanes<TKernel, Simd256>(ref kernel, j, j1);
                    else if (Vector128.IsHardwareAccelerated) j = Lanes<TKernel, Simd128>(ref kernel, j, j1);
                    break;
                case LaneWidth.V512: j = Lanes<TKernel, Simd512>(ref kernel, j, j1); break;
                case LaneWidth.V256: j = Lanes<TKernel, Simd256>(ref kernel, j, j1); break;
                case LaneWidth.V128: j = Lanes<TKernel, Simd128>(ref kernel, j, j1); break;
            }
            if (j < j1) kernel.Run<Scalar>(j, j1);
        }

        /// <summary>The whole vectors of V in [j, j1); returns where they end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Lanes<TKernel, V>(ref TKernel kernel, int j, int j1) where TKernel : struct, IColumnKernel where V : struct, ISimd<V>
        {
            int end = j + ((j1 - j) & ~(V.Count - 1));
            if (end > j) kernel.Run<V>(j, end);
            return end;
        }
    }
}
