using System;
using System.Collections.Generic;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// A recurrent layer over a right-padded batch of whole sequences [T, B, I] with per-row lengths (see
    /// <see cref="SequenceLengths"/>). Every sequence starts from zero states. Outputs past a row's length are zero,
    /// and no padding reaches a valid output, a final state or a gradient.
    /// </summary>
    public interface ISequenceLayer
    {
        int Steps { get; }
        int Batch { get; }
        int InputSize { get; }
        int OutputSize { get; }

        /// <summary>The cells whose parameters this layer trains, for a <see cref="ParameterSet"/>.</summary>
        IReadOnlyList<IRecurrentCell> Cells { get; }

        /// <summary>Each row's length in the last Forward.</summary>
        ReadOnlySpan<int> Lengths { get; }

        /// <summary>The last Forward's outputs [T, B, O], zero past each row's length; owned by the layer, read only.</summary>
        float[] Output { get; }

        /// <summary>Each row's summary of its whole sequence [B, O]: the output at its last valid step (for a
        /// bidirectional layer, each direction's last step); owned by the layer, read only.</summary>
        float[] Final { get; }

        /// <summary>Runs x [T, B, I] with row b valid for lengths[b] steps (empty: all T).</summary>
        void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> lengths = default);

        /// <summary>Back-propagates dL/d<see cref="Output"/> [T, B, O] and dL/d<see cref="Final"/> [B, O] (either may
        /// be empty) through the last Forward: adds to the cells' gradients and writes dL/dx [T, B, I] (zero at
        /// padding) when <paramref name="dx"/> is not empty.</summary>
        void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dFinal, Span<float> dx);
    }
}
