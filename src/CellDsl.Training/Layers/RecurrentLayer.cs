using System;
using System.Collections.Generic;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// One cell over whole variable-length sequences (<see cref="ISequenceLayer"/>): outputs [T, B, H], and each
    /// row's output at its last valid step as <see cref="ISequenceLayer.Final"/>.
    /// </summary>
    public sealed class RecurrentLayer : DirectionalLayer
    {
        public RecurrentLayer(IRecurrentCell cell, int steps, int batch)
            : base(new[] { cell ?? throw new ArgumentNullException(nameof(cell)) }, steps, batch)
        {
        }

        public IRecurrentCell Cell => Cells[0];
    }

    /// <summary>
    /// A forward and a backward cell of the same hidden size H over whole variable-length sequences (Schuster &amp;
    /// Paliwal 1997; PyTorch's <c>bidirectional=True</c>): the backward cell starts at each row's last valid step.
    /// Output[t] = [forward h at t ; backward h at t] is [T, B, 2H]; Final is [forward h at the row's last step ;
    /// backward h at step 0], PyTorch's h_n of the two directions. Stack them (<see cref="SequenceStack"/>) with
    /// the next layer reading 2H inputs.
    /// </summary>
    public sealed class BidirectionalLayer : DirectionalLayer
    {
        public BidirectionalLayer(IRecurrentCell forward, IRecurrentCell backward, int steps, int batch)
            : base(new[] { forward ?? throw new ArgumentNullException(nameof(forward)), backward ?? throw new ArgumentNullException(nameof(backward)) }, steps, batch)
        {
        }

        public IRecurrentCell ForwardCell => Cells[0];
        public IRecurrentCell BackwardCell => Cells[1];
    }

    /// <summary>What <see cref="RecurrentLayer"/> and <see cref="BidirectionalLayer"/> share: one
    /// <see cref="CellDirection"/> per cell (the second reversed), side by side in the output's columns.</summary>
    public abstract class DirectionalLayer : ISequenceLayer
    {
        private readonly IRecurrentCell[] _cells;
        private readonly CellDirection[] _directions;
        private readonly int[] _lengths;

        private protected DirectionalLayer(IRecurrentCell[] cells, int steps, int batch)
        {
            if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one row.");
            for (int d = 1; d < cells.Length; d++)
                if (cells[d].InputSize != cells[0].InputSize || cells[d].HiddenSize != cells[0].HiddenSize)
                    throw new ArgumentException($"The backward cell {cells[d].Name} is {cells[d].InputSize} → {cells[d].HiddenSize}, the forward cell {cells[0].Name} {cells[0].InputSize} → {cells[0].HiddenSize}; both directions need the same sizes.", nameof(cells));
            _cells = cells;
            Steps = steps;
            Batch = batch;
            InputSize = cells[0].InputSize;
            OutputSize = cells.Length * cells[0].HiddenSize;
            _directions = new CellDirection[cells.Length];
            for (int d = 0; d < cells.Length; d++)
                _directions[d] = new CellDirection(cells[d], steps, batch, reversed: d == 1, column: d * cells[0].HiddenSize);
            _lengths = new int[batch];
            Output = new float[steps * batch * OutputSize];
            Final = new float[batch * OutputSize];
        }

        public int Steps { get; }
        public int Batch { get; }
        public int InputSize { get; }
        public int OutputSize { get; }
        public IReadOnlyList<IRecurrentCell> Cells => _cells;
        public ReadOnlySpan<int> Lengths => _lengths;
        public float[] Output { get; }
        public float[] Final { get; }

        public void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> lengths = default)
        {
            if (x.Length != Steps * Batch * InputSize)
                throw new ArgumentException($"x must be [T={Steps}, B={Batch}, I={InputSize}] floats, got {x.Length}.", nameof(x));
            SequenceLengths.Copy(lengths, Steps, _lengths);
            foreach (var d in _directions) d.Forward(x, _lengths, OutputSize, Output, Final);
        }

        public void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dFinal, Span<float> dx)
        {
            if (!dOutput.IsEmpty && dOutput.Length != Output.Length)
                throw new ArgumentException($"dOutput must be [T={Steps}, B={Batch}, O={OutputSize}] floats, got {dOutput.Length}.", nameof(dOutput));
            if (!dFinal.IsEmpty && dFinal.Length != Final.Length)
                throw new ArgumentException($"dFinal must be [B={Batch}, O={OutputSize}] floats, got {dFinal.Length}.", nameof(dFinal));
            if (!dx.IsEmpty && dx.Length != Steps * Batch * InputSize)
                throw new ArgumentException($"dx must be empty or [T={Steps}, B={Batch}, I={InputSize}] floats, got {dx.Length}.", nameof(dx));
            for (int d = 0; d < _directions.Length; d++)
                _directions[d].Backward(dOutput, dFinal, _lengths, OutputSize, dx, accumulate: d > 0);
        }
    }
}
