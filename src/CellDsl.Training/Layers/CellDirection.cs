using System;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// One cell run over each row's valid steps, in order or reversed, writing H columns of a layer's [T, B, O]
    /// output. The cells run whole [T, B] blocks, so padding is handled around them rather than inside: the cell's
    /// input is the row's valid steps (reversed for the backward direction, so each row starts at its own last
    /// step) followed by zeros. A cell is causal, so its first lengths[b] steps never see the padding; their
    /// outputs are scattered back to their positions, the output at step lengths[b]−1 is the row's final one, and
    /// Backward feeds zero gradient into the padded steps, so nothing flows from them into the valid ones.
    /// </summary>
    internal sealed class CellDirection
    {
        private readonly CellWorkspace _ws;
        private readonly float[] _x;     // [T, B, I] the cell's input: valid steps (maybe reversed), then zeros
        private readonly float[] _dy;    // [T, B, H] dL/d the cell's outputs, in the cell's step order
        private readonly float[] _dx;    // [T, B, I] dL/d the cell's input
        private readonly int _column;    // where this direction's H columns start in the layer's O

        public CellDirection(IRecurrentCell cell, int steps, int batch, bool reversed, int column)
        {
            Cell = cell;
            Reversed = reversed;
            _column = column;
            _ws = cell.CreateWorkspace(steps, batch);
            _x = new float[steps * batch * cell.InputSize];
            _dy = new float[steps * batch * cell.HiddenSize];
            _dx = new float[_x.Length];
        }

        public IRecurrentCell Cell { get; }
        public bool Reversed { get; }

        /// <summary>The position in the sequence of the cell's step t for a row of length n.</summary>
        private int Position(int t, int n) => Reversed ? n - 1 - t : t;

        /// <summary>Runs the cell and writes its columns of output [T, B, O] (zero at padding) and final [B, O].</summary>
        public void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> lengths, int width, Span<float> output, Span<float> final)
        {
            int T = _ws.Steps, B = _ws.Batch, I = Cell.InputSize, H = Cell.HiddenSize;
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                {
                    var row = _x.AsSpan((t * B + b) * I, I);
                    if (t < lengths[b]) x.Slice((Position(t, lengths[b]) * B + b) * I, I).CopyTo(row);
                    else row.Clear();
                }
            Cell.Forward(_ws, _x);
            var h = _ws.Output;
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                {
                    int n = lengths[b];
                    int p = t < n ? Position(t, n) : t;   // padded steps map to themselves and are cleared
                    var target = output.Slice((p * B + b) * width + _column, H);
                    if (t < n) h.Slice((t * B + b) * H, H).CopyTo(target);
                    else target.Clear();
                    if (t == n - 1) h.Slice((t * B + b) * H, H).CopyTo(final.Slice(b * width + _column, H));
                }
        }

        /// <summary>Back-propagates this direction's columns of dOutput [T, B, O] and dFinal [B, O] (either may be
        /// empty); writes (or, with <paramref name="accumulate"/>, adds) dL/dx [T, B, I], zero at padding.</summary>
        public void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dFinal, ReadOnlySpan<int> lengths, int width, Span<float> dx, bool accumulate)
        {
            int T = _ws.Steps, B = _ws.Batch, I = Cell.InputSize, H = Cell.HiddenSize;
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                {
                    int n = lengths[b];
                    var dy = _dy.AsSpan((t * B + b) * H, H);
                    if (t < n && !dOutput.IsEmpty) dOutput.Slice((Position(t, n) * B + b) * width + _column, H).CopyTo(dy);
                    else dy.Clear();
                    if (t == n - 1 && !dFinal.IsEmpty)
                        System.Numerics.Tensors.TensorPrimitives.Add(dy, dFinal.Slice(b * width + _column, H), dy);
                }
            Cell.Backward(_ws, _dy, default, dx.IsEmpty ? default : _dx.AsSpan());
            if (dx.IsEmpty) return;
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                {
                    int n = lengths[b];
                    if (t >= n) { if (!accumulate) dx.Slice((t * B + b) * I, I).Clear(); continue; }
                    var from = _dx.AsSpan((t * B + b) * I, I);
                    var to = dx.Slice((Position(t, n) * B + b) * I, I);
                    if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(to, from, to);
                    else from.CopyTo(to);
                }
        }
    }
}
