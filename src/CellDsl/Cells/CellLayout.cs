using System.Collections.Generic;

namespace CellDsl
{
    /// <summary>
    /// What a generated cell tells its base class: names, parameter layout, and which workspace buffers hold the
    /// input, the state sequences and their gradients. Built by generated code for given sizes.
    /// </summary>
    public sealed class CellLayout
    {
        public required string Name { get; init; }
        public required string Definition { get; init; }
        public required IReadOnlyList<string> States { get; init; }
        public required int OutputState { get; init; }
        public required ParameterInfo[] Parameters { get; init; }
        public required int ParameterCount { get; init; }
        public required string[] BufferNames { get; init; }
        /// <summary>Buffer of x, [T·B, I].</summary>
        public required int X { get; init; }
        /// <summary>Buffer of dL/dx, [T·B, I].</summary>
        public required int DX { get; init; }
        /// <summary>Buffer of dL/d outputs, [T·B, H].</summary>
        public required int DY { get; init; }
        /// <summary>Per state: its sequence [(T+1)·B, H], row block 0 being the initial state.</summary>
        public required int[] StateSequences { get; init; }
        /// <summary>Per state: dL/d state after the current step, [B, H]; holds dL/d initial state when Backward ends.</summary>
        public required int[] StateGradients { get; init; }
        /// <summary>Weight matrices packed for the GEMM per pass (two per stacked projection: forward and transposed).</summary>
        public required int PackedWeights { get; init; }
    }
}
