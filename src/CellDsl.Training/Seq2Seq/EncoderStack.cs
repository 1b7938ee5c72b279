using System;
using System.Collections.Generic;

namespace CellDsl.Training.Seq2Seq
{
    /// <summary>
    /// Encoder cells stacked (layer l+1 reads layer l's outputs) over a right-padded batch [T, B, I], run one step at
    /// a time on one (1, B) workspace per step, so that every state of every row, not only the output, is read at the
    /// row's own last step and takes its gradient there: a decoder started from those states needs both (an LSTM's
    /// c as well as its h), and a cell's Backward takes state gradients only after its last step. Steps past the
    /// longest row are not run. Padded steps read zeros, their outputs are written as zeros, and Backward gives
    /// them zero gradient, so nothing reaches a valid step from padding.
    /// </summary>
    public sealed class EncoderStack
    {
        private readonly IRecurrentCell[] _cells;
        private readonly CellWorkspace[][] _ws;   // [layer][step], each (1, B)
        private readonly float[][] _output;       // per layer [T, B, H_l], zero past each row's length
        private readonly float[][] _final;        // per layer [S_l, B, H_l]: every state at each row's last step
        private readonly float[][] _dInput;       // per layer above the first, dL/d its input [T, B, I_l]
        private readonly float[][] _state;        // per layer [S_l, B, H_l]: the state carried into the next step
        private readonly float[][] _carry, _carryBack;   // per layer [S_l, B, H_l]: dL/d state, after and before a step
        private readonly float[] _x, _dx, _dy;    // one step's input, dL/d input (widest layer) and dL/d output
        private readonly int[] _lengths;
        private int _longest;

        public EncoderStack(IReadOnlyList<IRecurrentCell> cells, int steps, int batch)
        {
            ArgumentNullException.ThrowIfNull(cells);
            if (cells.Count == 0) throw new ArgumentException("An encoder needs at least one cell.", nameof(cells));
            if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one row.");
            for (int l = 0; l < cells.Count; l++)
            {
                ArgumentNullException.ThrowIfNull(cells[l], $"{nameof(cells)}[{l}]");
                if (l > 0 && cells[l].InputSize != cells[l - 1].HiddenSize)
                    throw new ArgumentException($"Encoder layer {l} ({cells[l].Name}) reads {cells[l].InputSize} inputs, but layer {l - 1} ({cells[l - 1].Name}) gives {cells[l - 1].HiddenSize}.", nameof(cells));
            }
            _cells = new IRecurrentCell[cells.Count];
            Steps = steps;
            Batch = batch;
            int L = cells.Count, widest = 0, tallest = 0;
            _ws = new CellWorkspace[L][];
            _output = new float[L][];
            _final = new float[L][];
            _dInput = new float[L][];
            _state = new float[L][];
            _carry = new float[L][];
            _carryBack = new float[L][];
            for (int l = 0; l < L; l++)
            {
                var c = _cells[l] = cells[l];
                int H = c.HiddenSize, S = c.StateNames.Count;
                _ws[l] = new CellWorkspace[steps];
                for (int t = 0; t < steps; t++) _ws[l][t] = c.CreateWorkspace(1, batch);
                _output[l] = new float[steps * batch * H];
                _final[l] = new float[S * batch * H];
                _dInput[l] = new float[l > 0 ? steps * batch * c.InputSize : 0];
                _state[l] = new float[S * batch * H];
                _carry[l] = new float[S * batch * H];
                _carryBack[l] = new float[S * batch * H];
                widest = Math.Max(widest, c.InputSize);
                tallest = Math.Max(tallest, H);
            }
            _x = new float[batch * widest];
            _dx = new float[batch * widest];
            _dy = new float[batch * tallest];
            _lengths = new int[batch];
        }

        public int Steps { get; }
        public int Batch { get; }
        public int InputSize => _cells[0].InputSize;
        public IReadOnlyList<IRecurrentCell> Cells => _cells;
        public ReadOnlySpan<int> Lengths => _lengths;

        /// <summary>The top layer's outputs [T, B, H] of the last Forward, zero past each row's length; read only.</summary>
        public float[] Output => _output[^1];

        /// <summary>Layer l's states [S, B, H] (in its cell's <see cref="IRecurrentCell.StateNames"/> order) at each
        /// row's last valid step; read only.</summary>
        public float[] Final(int layer)
        {
            if ((uint)layer >= (uint)_final.Length)
                throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The encoder has layers 0..{_final.Length - 1}.");
            return _final[layer];
        }

        /// <summary>Runs x [T, B, I] with row b valid for lengths[b] steps (empty: all T), each row from zero states.</summary>
        public void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> lengths = default)
        {
            int T = Steps, B = Batch;
            if (x.Length != T * B * InputSize)
                throw new ArgumentException($"x must be [T={T}, B={B}, I={InputSize}] floats, got {x.Length}.", nameof(x));
            Layers.SequenceLengths.Copy(lengths, T, _lengths);
            _longest = 0;
            foreach (int n in _lengths) _longest = Math.Max(_longest, n);
            for (int l = 0; l < _cells.Length; l++)
            {
                var cell = _cells[l];
                int I = cell.InputSize, H = cell.HiddenSize, S = cell.StateNames.Count;
                ReadOnlySpan<float> input = l == 0 ? x : _output[l - 1];
                var output = _output[l];
                var xt = _x.AsSpan(0, B * I);
                for (int t = 0; t < _longest; t++)
                {
                    for (int b = 0; b < B; b++)
                    {
                        var row = xt.Slice(b * I, I);
                        if (t < _lengths[b]) input.Slice((t * B + b) * I, I).CopyTo(row);
                        else row.Clear();
                    }
                    var ws = _ws[l][t];
                    cell.Forward(ws, xt, t == 0 ? default : _state[l]);
                    ws.CopyFinalStates(_state[l]);
                    var h = ws.Output;
                    for (int b = 0; b < B; b++)
                    {
                        var target = output.AsSpan((t * B + b) * H, H);
                        if (t < _lengths[b]) h.Slice(b * H, H).CopyTo(target);
                        else target.Clear();
                        if (t == _lengths[b] - 1)
                            for (int k = 0; k < S; k++) _state[l].AsSpan((k * B + b) * H, H).CopyTo(_final[l].AsSpan((k * B + b) * H, H));
                    }
                }
                output.AsSpan(_longest * B * H).Clear();
            }
        }

        /// <summary>Back-propagates dL/d<see cref="Output"/> [T, B, H] (empty: none; padded steps ignored) and, per
        /// layer, dL/d<see cref="Final"/> [S, B, H] (a null or empty entry, or an empty list: none) through the last
        /// Forward: adds to the cells' gradients and writes dL/dx [T, B, I], zero at padding, when dx is not empty.</summary>
        public void Backward(ReadOnlySpan<float> dOutput, IReadOnlyList<float[]?>? dFinal, Span<float> dx)
        {
            int T = Steps, B = Batch, L = _cells.Length;
            if (!dOutput.IsEmpty && dOutput.Length != Output.Length)
                throw new ArgumentException($"dOutput must be empty or [T={T}, B={B}, H={_cells[^1].HiddenSize}] floats, got {dOutput.Length}.", nameof(dOutput));
            if (dFinal != null && dFinal.Count != 0 && dFinal.Count != L)
                throw new ArgumentException($"dFinal must give one entry per encoder layer ({L}), got {dFinal.Count}.", nameof(dFinal));
            if (!dx.IsEmpty && dx.Length != T * B * InputSize)
                throw new ArgumentException($"dx must be empty or [T={T}, B={B}, I={InputSize}] floats, got {dx.Length}.", nameof(dx));
            for (int l = L - 1; l >= 0; l--)
            {
                var cell = _cells[l];
                int I = cell.InputSize, H = cell.HiddenSize, S = cell.StateNames.Count;
                var injected = dFinal is { Count: > 0 } ? dFinal[l] : null;
                if (injected is { Length: > 0 } && injected.Length != S * B * H)
                    throw new ArgumentException($"dFinal[{l}] must be [S={S}, B={B}, H={H}] floats for {cell.Name}, got {injected.Length}.", nameof(dFinal));
                ReadOnlySpan<float> dOut = l == L - 1 ? dOutput : _dInput[l + 1];
                Span<float> dIn = l > 0 ? _dInput[l] : dx;
                var carry = _carry[l];
                var back = _carryBack[l];
                Array.Clear(carry);
                var dy = _dy.AsSpan(0, B * H);
                var dxt = _dx.AsSpan(0, B * I);
                for (int t = _longest - 1; t >= 0; t--)
                {
                    for (int b = 0; b < B; b++)
                    {
                        int n = _lengths[b];
                        var row = dy.Slice(b * H, H);
                        if (t < n && !dOut.IsEmpty) dOut.Slice((t * B + b) * H, H).CopyTo(row);
                        else row.Clear();
                        if (t < n - 1) continue;
                        // After its last step a row's state gradient is exactly what the caller injects: its
                        // padded steps carry nothing back.
                        for (int k = 0; k < S; k++)
                        {
                            var d = carry.AsSpan((k * B + b) * H, H);
                            if (t == n - 1 && injected is { Length: > 0 }) injected.AsSpan((k * B + b) * H, H).CopyTo(d);
                            else d.Clear();
                        }
                    }
                    cell.Backward(_ws[l][t], dy, carry, dIn.IsEmpty ? default : dxt, t == 0 ? default : back);
                    (carry, back) = (back, carry);
                    if (dIn.IsEmpty) continue;
                    for (int b = 0; b < B; b++)
                    {
                        var to = dIn.Slice((t * B + b) * I, I);
                        if (t < _lengths[b]) dxt.Slice(b * I, I).CopyTo(to);
                        else to.Clear();
                    }
                }
                if (!dIn.IsEmpty) dIn.Slice(_longest * B * I).Clear();
            }
        }
    }
}
