using System;

namespace CellDsl
{
    /// <summary>
    /// All activation memory of one cell for a fixed (T, B): one float block cut into the buffers the cell's plan
    /// names. Forward and Backward allocate nothing; they only write here. A workspace serves the cell that made it.
    /// </summary>
    public sealed class CellWorkspace
    {
        private const int Alignment = 16; // floats: buffers start on 64-byte boundaries relative to the block

        internal CellWorkspace(RecurrentCell owner, int steps, int batch, long[] bufferSizes)
        {
            Owner = owner;
            Steps = steps;
            Batch = batch;
            Offsets = new int[bufferSizes.Length];
            long offset = 0;
            for (int i = 0; i < bufferSizes.Length; i++)
            {
                Offsets[i] = checked((int)offset);
                offset += (bufferSizes[i] + Alignment - 1) / Alignment * Alignment;
            }
            if (offset > Array.MaxLength)
                throw new ArgumentException($"A workspace for T={steps}, B={batch} needs {offset} floats, more than one array holds; use shorter sequences or smaller batches.");
            Data = GC.AllocateUninitializedArray<float>((int)offset, pinned: true);
            Array.Clear(Data);
            Packed = new Kernels.PackedMatrix[owner.Layout.PackedWeights];
            for (int i = 0; i < Packed.Length; i++) Packed[i] = new Kernels.PackedMatrix();
        }

        internal RecurrentCell Owner { get; }

        public int Steps { get; }
        public int Batch { get; }

        /// <summary>The block; generated code addresses it through <see cref="Offsets"/>.</summary>
        public float[] Data { get; }

        /// <summary>The cell's weights packed for the GEMM, repacked at the start of each Forward and Backward (the
        /// weights change between passes, not within one) and reused by every step.</summary>
        public Kernels.PackedMatrix[] Packed { get; }

        /// <summary>Start of each buffer in <see cref="Data"/>.</summary>
        public int[] Offsets { get; }

        /// <summary>Number of floats the workspace holds.</summary>
        public long Length => Data.LongLength;

        internal bool HasForward { get; set; }

        /// <summary>State k after step t (t = -1: the initial state), [B, H].</summary>
        public ReadOnlySpan<float> State(int k, int t)
        {
            if ((uint)(t + 1) > (uint)Steps) throw new ArgumentOutOfRangeException(nameof(t));
            int bh = Batch * Owner.HiddenSize;
            return new ReadOnlySpan<float>(Data, Offsets[Owner.Layout.StateSequences[k]] + (t + 1) * bh, bh);
        }

        /// <summary>The outputs of every step, [T, B, H] (states after steps 0..T-1).</summary>
        public ReadOnlySpan<float> Output => new ReadOnlySpan<float>(Data, Offsets[Owner.Layout.StateSequences[Owner.OutputState]] + Batch * Owner.HiddenSize, Steps * Batch * Owner.HiddenSize);

        /// <summary>State k after the last step, [B, H].</summary>
        public ReadOnlySpan<float> FinalState(int k) => State(k, Steps - 1);

        /// <summary>Copies every final state into <paramref name="destination"/> [S, B, H], e.g. to carry state into the next chunk.</summary>
        public void CopyFinalStates(Span<float> destination)
        {
            int bh = Batch * Owner.HiddenSize;
            if (destination.Length != Owner.StateNames.Count * bh)
                throw new ArgumentException($"destination must hold [S={Owner.StateNames.Count}, B={Batch}, H={Owner.HiddenSize}] floats.", nameof(destination));
            for (int k = 0; k < Owner.StateNames.Count; k++) FinalState(k).CopyTo(destination.Slice(k * bh, bh));
        }
    }
}
