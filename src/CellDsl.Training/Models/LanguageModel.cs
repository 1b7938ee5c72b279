using System;
using System.Collections.Generic;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Models
{
    /// <summary>
    /// Embedding → dropout → L recurrent cells (dropout between them) → dropout → softmax decoder, as in Zaremba et
    /// al. 2014; each layer may be a different cell type. The model holds parameters; activations live in a
    /// <see cref="LanguageModelWorkspace"/> made once per (T, B).
    /// </summary>
    /// <remarks>
    /// The loss of a window is L = (1/B)·Σ_t Σ_b w[t,b]·nll[t,b]: the cross-entropy summed over the window's time
    /// steps and averaged over the batch, w being 1 for scored targets and 0 for the rest. Zaremba's lr 1 and clip 5
    /// refer to this loss; with a loss averaged over every token the same run needs a learning rate T times larger.
    /// </remarks>
    public sealed class LanguageModel
    {
        private readonly IRecurrentCell[] _cells;

        /// <summary>A model of zoo cells named by <see cref="LanguageModelConfig.Cells"/>.</summary>
        public LanguageModel(LanguageModelConfig config)
            : this(config, ZooFactories(config))
        {
        }

        /// <summary>A model whose layer l is <c>cells[l](inputSize, hiddenSize, seed)</c>; config.Cells labels them.</summary>
        public LanguageModel(LanguageModelConfig config, IReadOnlyList<Func<int, int, int, IRecurrentCell>> cells)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(cells);
            config.Validate();
            Config = config;
            int H = config.HiddenSize, E = config.Embedding;
            Embedding = new Embedding(config.VocabularySize, E);
            _cells = CellLayers.Build(cells, config.Cells, E, H, config.Seed);
            Decoder = config.TieWeights ? new SoftmaxDecoder(Embedding) : new SoftmaxDecoder(H, config.VocabularySize);
            var groups = new List<(string, IParameterized)> { ("embedding", Embedding) };
            for (int l = 0; l < _cells.Length; l++) groups.Add(($"layer{l}:{_cells[l].Name}", _cells[l]));
            groups.Add((config.TieWeights ? "decoder (bias; W tied to the embedding)" : "decoder", Decoder));
            Parameters = new ParameterSet(groups);
            Initialize(config.Seed);
        }

        public LanguageModelConfig Config { get; }
        public Embedding Embedding { get; }
        public IReadOnlyList<IRecurrentCell> Cells => _cells;
        public SoftmaxDecoder Decoder { get; }

        /// <summary>Every parameter: embedding, then the cells bottom-up, then the decoder.</summary>
        public ParameterSet Parameters { get; }

        public int VocabularySize => Config.VocabularySize;

        /// <summary>Draws every parameter from U[−s, s] (s = <see cref="LanguageModelConfig.InitScale"/>) with one
        /// generator in <see cref="Parameters"/> order, except cell parameters declared with a constant init (LSTM-b's
        /// forget bias 1), which are set to it, and Linear(a, v) weights, which get a added on their diagonal.</summary>
        public void Initialize(int seed)
        {
            var rng = new CellRandom(seed);
            float s = Config.InitScale;
            rng.FillUniform(Embedding.Parameters, -s, s);
            foreach (var cell in _cells) CellInit.Uniform(cell, rng, s);
            rng.FillUniform(Decoder.Parameters, -s, s);
        }

        /// <summary>All activation memory for windows of <paramref name="steps"/> steps over <paramref name="batch"/> streams.</summary>
        public LanguageModelWorkspace CreateWorkspace(int steps, int batch)
        {
            if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A window needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one stream.");
            return new LanguageModelWorkspace(this, steps, batch);
        }

        /// <summary>Runs the window in <paramref name="ws"/> (its Inputs, Targets and Weights) from the carried states;
        /// returns Σ w·nll over the window. <paramref name="random"/> draws the dropout masks (training); null evaluates.
        /// Afterwards ws holds the probabilities [T·B, V], and each row's nll and correctness.</summary>
        public double Forward(LanguageModelWorkspace ws, CellRandom? random)
        {
            ForwardHidden(ws, random);
            return Decoder.Forward(ws.Top, ws.Steps * ws.Batch, ws.Logits, ws.Targets, ws.Weights, ws.Nll, ws.Correct);
        }

        /// <summary>Runs ws.Inputs from the carried states without dropout and leaves the raw logits [T·B, V] in
        /// ws.Logits (no targets needed): for sampling.</summary>
        public void ForwardLogits(LanguageModelWorkspace ws)
        {
            ForwardHidden(ws, null);
            Decoder.Logits(ws.Top, ws.Steps * ws.Batch, ws.Logits);
        }

        private void ForwardHidden(LanguageModelWorkspace ws, CellRandom? random)
        {
            Check(ws);
            Embedding.Forward(ws.Inputs, ws.Embedded);
            ws.InputDropout.Forward(ws.Embedded, ws.Embedded, random);
            ws.Stack.Forward(ws.Embedded, random);
            ws.OutputDropout.Forward(ws.Stack.Output, ws.Top, random);
        }

        /// <summary>Adds to every gradient the derivative of L = scale·Σ w·nll of the last Forward on ws (scale = 1/B
        /// for the loss Zaremba's lr and clip refer to).</summary>
        public void Backward(LanguageModelWorkspace ws, float scale)
        {
            Check(ws);
            int rows = ws.Steps * ws.Batch;
            Decoder.Backward(ws.Top, rows, ws.Logits, ws.Targets, ws.Weights, scale, ws.DTop);
            ws.OutputDropout.Backward(ws.DTop, ws.DTop);
            ws.Stack.Backward(ws.DTop, ws.DEmbedded);
            ws.InputDropout.Backward(ws.DEmbedded, ws.DEmbedded);
            Embedding.Backward(ws.Inputs, ws.DEmbedded);
        }

        private void Check(LanguageModelWorkspace ws)
        {
            ArgumentNullException.ThrowIfNull(ws);
            if (!ReferenceEquals(ws.Model, this)) throw new ArgumentException("This workspace was made by another model; call CreateWorkspace on this one.", nameof(ws));
        }

        private static IReadOnlyList<Func<int, int, int, IRecurrentCell>> ZooFactories(LanguageModelConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            config.Validate();
            return CellLayers.Zoo(config.Cells);
        }
    }
}
