using System;
using System.Runtime.InteropServices;

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
            WorkerTrace.BeginCall(TraceKind.Pack, 0, n, k);
            fixed (float* pb = b) Sgemm.PackAll(transB, pb + bOffset, ldb, k, n, padded, _data);
            WorkerTrace.EndCall();
        }

        public void Dispose()
        {
            if (_data != null) { NativeMemory.AlignedFree(_data); _data = null; _capacity = 0; }
            GC.SuppressFinalize(this);
        }

        ~PackedMatrix() => Dispose();
    }
}
