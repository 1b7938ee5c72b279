using System;
using System.Collections.Generic;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Models
{
    /// <summary>
    /// Next-frame prediction of a piano roll (Boulanger-Lewandowski et al. 2012's RNN baseline): the previous frame's 88
    /// binary values are the first cell's input x directly (no input projection), L cells (dropout between them) →
    /// dropout → <see cref="SigmoidDecoder"/>, one sigmoid per note. Step t of a sequence reads frame t−1 (a zero frame
    /// at t = 0) and predicts frame t, so every frame of a sequence is predicted and scored, the first from the zero
    /// frame and the zero initial state. Sequences are whole: states start from zero for each.
    /// </summary>
    /// <remarks>
    /// A batch's loss is L = (1/F)·Σ_t Σ_b w[t,b]·nll[t,b] with F its valid frames: the mean NLL per frame, nll being
    /// the frame's binary cross-entropy summed over the notes (nats), w 1 on valid steps and 0 on padding.
    /// </remarks>
    public sealed class PianoRollModel
    {
        private readonly IRecurrentCell[] _cells;

        /// <summary>A model of zoo cells named by <see cref="PianoRollModelConfig.Cells"/>.</summary>
        public PianoRollModel(PianoRollModelConfig config)
            : this(config, ZooFactories(config))
        {
        }

        /// <summary>A model whose layer l is <c>cells[l](inputSize, hiddenSize, seed)</c>; config.Cells labels them.</summary>
        public PianoRollModel(PianoRollModelConfig config, IReadOnlyList<Func<int, int, int, IRecurrentCell>> cells)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(cells);
            config.Validate();
            Config = config;
            int H = config.HiddenSize;
            _cells = CellLayers.Build(cells, config.Cells, config.Notes, H, config.Seed);
            Decoder = new SigmoidDecoder(H, config.Notes);
            var groups = new List<(string, IParameterized)>();
            for (int l = 0; l < _cells.Length; l++) groups.Add(($"layer{l}:{_cells[l].Name}", _cells[l]));
            groups.Add(("decoder", Decoder));
            Parameters = new ParameterSet(groups);
            Initialize(config.Seed);
        }

        public PianoRollModelConfig Config { get; }
        public IReadOnlyList<IRecurrentCell> Cells => _cells;
        public SigmoidDecoder Decoder { get; }
        public int Notes => Config.Notes;

        /// <summary>Every parameter: the cells bottom-up, then the decoder.</summary>
        public ParameterSet Parameters { get; }

        /// <summary>Draws every parameter from U[−s, s] with one generator in <see cref="Parameters"/> order (cells'
        /// declared constant inits kept, as <see cref="CellInit"/> does for every model).</summary>
        public void Initialize(int seed)
        {
            var rng = new CellRandom(seed);
            float s = Config.InitScale;
            foreach (var cell in _cells) CellInit.Uniform(cell, rng, s);
            rng.FillUniform(Decoder.Parameters, -s, s);
        }

        /// <summary>All activation memory for batches of up to <paramref name="batch"/> sequences of up to
        /// <paramref name="steps"/> frames.</summary>
        public PianoRollWorkspace CreateWorkspace(int steps, int batch)
        {
            if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one sequence.");
            return new PianoRollWorkspace(this, steps, batch);
        }

        /// <summary>Runs the batch in ws (after <see cref="PianoRollWorkspace.Fill"/>) from zero states; returns Σ w·nll.
        /// <paramref name="random"/> draws the dropout masks (training); null evaluates. Afterwards ws holds each
        /// note's probability [T·B, C] and each row's nll.</summary>
        public double Forward(PianoRollWorkspace ws, CellRandom? random)
        {
            Check(ws);
            ws.Stack.ResetState();
            ws.Stack.Forward(ws.Inputs, random);
            ws.OutputDropout.Forward(ws.Stack.Output, ws.Top, random);
            return Decoder.Forward(ws.Top, ws.Steps * ws.Batch, ws.Logits, ws.Targets, ws.Weights, ws.Nll);
        }

        /// <summary>Adds to every gradient the derivative of L = scale·Σ w·nll of the last Forward on ws.</summary>
        public void Backward(PianoRollWorkspace ws, float scale)
        {
            Check(ws);
            Decoder.Backward(ws.Top, ws.Steps * ws.Batch, ws.Logits, ws.Targets, ws.Weights, scale, ws.DTop);
            ws.OutputDropout.Backward(ws.DTop, ws.DTop);
            ws.Stack.Backward(ws.DTop, default);
        }

        private void Check(PianoRollWorkspace ws)
        {
            ArgumentNullException.ThrowIfNull(ws);
            if (!ReferenceEquals(ws.Model, this)) throw new ArgumentException("This workspace was made by another model; call CreateWorkspace on this one.", nameof(ws));
        }

        private static IReadOnlyList<Func<int, int, int, IRecurrentCell>> ZooFactories(PianoRollModelConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            config.Validate();
            return CellLayers.Zoo(config.Cells);
        }
    }
}
