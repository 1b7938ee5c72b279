using System;
using System.Collections.Generic;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// L recurrent cells run over one window of T steps and B streams: layer l+1 reads layer l's outputs (through
    /// dropout when training, Zaremba et al. 2014), each layer has one workspace made once for (T, B), and each
    /// layer's final states are carried in as the next window's initial states. Backward passes no gradient into
    /// or out of the carried states: truncated BPTT detaches them at the window boundary.
    /// </summary>
    public sealed class CellStack
    {
        private readonly IRecurrentCell[] _cells;
        private readonly CellWorkspace[] _workspaces;
        private readonly float[][] _carried;      // per layer, [S, B, H]: the states the next Forward starts from
        private readonly Dropout[] _between;      // _between[l] drops layer l's outputs on their way into layer l+1
        private readonly float[] _dropped;        // the dropped input of the layer being run, [T·B, H_max]
        private readonly float[][] _dx;           // per layer above the first, dL/d its input [T·B, I_l]

        public CellStack(IReadOnlyList<IRecurrentCell> cells, int steps, int batch, float dropout = 0f)
        {
            ArgumentNullException.ThrowIfNull(cells);
            if (cells.Count == 0) throw new ArgumentException("A cell stack needs at least one layer.", nameof(cells));
            for (int l = 1; l < cells.Count; l++)
                if (cells[l].InputSize != cells[l - 1].HiddenSize)
                    throw new ArgumentException($"Layer {l} ({cells[l].Name}) reads {cells[l].InputSize} inputs, but layer {l - 1} ({cells[l - 1].Name}) gives {cells[l - 1].HiddenSize}.", nameof(cells));
            Steps = steps;
            Batch = batch;
            int L = cells.Count, rows = steps * batch, widest = 0;
            _cells = new IRecurrentCell[L];
            _workspaces = new CellWorkspace[L];
            _carried = new float[L][];
            _dx = new float[L][];
            _between = new Dropout[L - 1];
            for (int l = 0; l < L; l++)
            {
                var cell = _cells[l] = cells[l];
                _workspaces[l] = cell.CreateWorkspace(steps, batch);
                _carried[l] = new float[cell.StateNames.Count * batch * cell.HiddenSize];
                _dx[l] = new float[l > 0 ? rows * cell.InputSize : 0];
                if (l < L - 1) _between[l] = new Dropout(dropout, rows * cell.HiddenSize);
                widest = Math.Max(widest, cell.HiddenSize);
            }
            _dropped = new float[L > 1 ? rows * widest : 0];
        }

        public IReadOnlyList<IRecurrentCell> Cells => _cells;
        public int Steps { get; }
        public int Batch { get; }
        public int InputSize => _cells[0].InputSize;
        public int OutputSize => _cells[^1].HiddenSize;

        /// <summary>The last layer's outputs of the last Forward, [T, B, H].</summary>
        public ReadOnlySpan<float> Output => _workspaces[^1].Output;

        public CellWorkspace Workspace(int layer) => _workspaces[layer];

        /// <summary>Layer l's carried states [S, B, H]: after a Forward, its final states; the next Forward starts from them.</summary>
        public Span<float> CarriedState(int layer) => _carried[layer];

        /// <summary>The dropout between layer l and layer l+1.</summary>
        public Dropout Between(int layer) => _between[layer];

        /// <summary>Starts the next window from zero states (a new epoch, or a new sequence).</summary>
        public void ResetState()
        {
            foreach (var s in _carried) Array.Clear(s);
        }

        /// <summary>Runs every layer over x [T, B, I] from the carried states and carries the final states on.
        /// <paramref name="random"/> draws the dropout masks between layers; null (evaluation) drops nothing.</summary>
        public void Forward(ReadOnlySpan<float> x, CellRandom? random)
        {
            _cells[0].Forward(_workspaces[0], x, _carried[0]);
            _workspaces[0].CopyFinalStates(_carried[0]);
            for (int l = 1; l < _cells.Length; l++)
            {
                var below = _workspaces[l - 1].Output;
                var input = _dropped.AsSpan(0, below.Length);
                _between[l - 1].Forward(below, input, random);
                _cells[l].Forward(_workspaces[l], input, _carried[l]);
                _workspaces[l].CopyFinalStates(_carried[l]);
            }
        }

        /// <summary>Back-propagates dL/d outputs [T, B, H] of the last layer through every layer of the last Forward,
        /// adding to each cell's gradients, and writes dL/dx [T, B, I] of the first layer when <paramref name="dx"/> is not empty.</summary>
        public void Backward(ReadOnlySpan<float> dOutput, Span<float> dx)
        {
            ReadOnlySpan<float> dy = dOutput;
            for (int l = _cells.Length - 1; l > 0; l--)
            {
                var dIn = _dx[l].AsSpan();
                _cells[l].Backward(_workspaces[l], dy, default, dIn);
                _between[l - 1].Backward(dIn, dIn);
                dy = dIn;
            }
            _cells[0].Backward(_workspaces[0], dy, default, dx);
        }
    }
}
