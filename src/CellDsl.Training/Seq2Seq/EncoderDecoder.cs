using System;
using System.Collections.Generic;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Seq2Seq
{
    /// <summary>
    /// An encoder-decoder (Sutskever, Vinyals &amp; Le 2014) over any cells: source embedding → encoder stack, whose
    /// every state at each row's last source step initialises the decoder layer of the same depth → decoder stack
    /// over the target embedding, teacher-forced (input: the start token, then the target shifted by one) →
    /// optionally Luong et al. 2015's global attention over the encoder's top outputs → softmax over the target
    /// vocabulary. The model holds parameters; a training pass's activations live in an
    /// <see cref="EncoderDecoderWorkspace"/> made once per (source steps, target steps, batch), decoding's in a
    /// <see cref="SequenceDecoder"/>.
    /// </summary>
    /// <remarks>The loss is the mean NLL per target token of the batch (each row's target counts its end token).</remarks>
    public sealed class EncoderDecoder
    {
        private readonly IRecurrentCell[] _encoder, _decoder;

        /// <summary>
        /// Layer l of <paramref name="decoder"/> starts from the states of layer l of <paramref name="encoder"/>, so
        /// the stacks have the same depth and each pair the same number of states and hidden size. Both stacks'
        /// first cells read <paramref name="embedding"/> inputs. <paramref name="attention"/> null: none.
        /// </summary>
        public EncoderDecoder(int sourceVocabulary, int targetVocabulary, int embedding,
            IReadOnlyList<IRecurrentCell> encoder, IReadOnlyList<IRecurrentCell> decoder, AttentionScore? attention,
            int startToken, int endToken)
        {
            ArgumentNullException.ThrowIfNull(encoder);
            ArgumentNullException.ThrowIfNull(decoder);
            if (encoder.Count == 0) throw new ArgumentException("The encoder needs at least one cell.", nameof(encoder));
            if (decoder.Count != encoder.Count)
                throw new ArgumentException($"The encoder has {encoder.Count} layers and the decoder {decoder.Count}; decoder layer l starts from encoder layer l's states, so give both the same depth.", nameof(decoder));
            SourceEmbedding = new Embedding(sourceVocabulary, embedding);
            TargetEmbedding = new Embedding(targetVocabulary, embedding);
            CheckStack(encoder, embedding, "encoder", nameof(encoder));
            CheckStack(decoder, embedding, "decoder", nameof(decoder));
            var seen = new HashSet<IRecurrentCell>(ReferenceEqualityComparer.Instance);
            for (int l = 0; l < encoder.Count; l++)
            {
                IRecurrentCell e = encoder[l], d = decoder[l];
                if (d.StateNames.Count != e.StateNames.Count || d.HiddenSize != e.HiddenSize)
                    throw new ArgumentException($"Decoder layer {l} ({d.Name}: states {string.Join(", ", d.StateNames)} of {d.HiddenSize}) cannot start from encoder layer {l} ({e.Name}: states {string.Join(", ", e.StateNames)} of {e.HiddenSize}); the two need the same number of states and the same hidden size.", nameof(decoder));
                if (!seen.Add(e) || !seen.Add(d))
                    throw new ArgumentException($"Cell {(seen.Contains(d) ? d.Name : e.Name)} appears twice in the encoder-decoder (layer {l}); give every layer its own cell.", nameof(decoder));
            }
            CheckToken(startToken, targetVocabulary, nameof(startToken));
            CheckToken(endToken, targetVocabulary, nameof(endToken));
            _encoder = new IRecurrentCell[encoder.Count];
            _decoder = new IRecurrentCell[decoder.Count];
            for (int l = 0; l < encoder.Count; l++) { _encoder[l] = encoder[l]; _decoder[l] = decoder[l]; }
            StartToken = startToken;
            EndToken = endToken;
            HiddenSize = _decoder[^1].HiddenSize;
            if (attention is { } score) Attention = new LuongAttention(HiddenSize, score);
            Output = new SoftmaxDecoder(HiddenSize, targetVocabulary);

            var groups = new List<(string, IParameterized)> { ("source embedding", SourceEmbedding) };
            for (int l = 0; l < _encoder.Length; l++) groups.Add(($"encoder{l}:{_encoder[l].Name}", _encoder[l]));
            groups.Add(("target embedding", TargetEmbedding));
            for (int l = 0; l < _decoder.Length; l++) groups.Add(($"decoder{l}:{_decoder[l].Name}", _decoder[l]));
            if (Attention != null) groups.Add(($"attention ({Attention.Score})", Attention));
            groups.Add(("output", Output));
            Parameters = new ParameterSet(groups);
        }

        public Embedding SourceEmbedding { get; }
        public Embedding TargetEmbedding { get; }
        public IReadOnlyList<IRecurrentCell> EncoderCells => _encoder;
        public IReadOnlyList<IRecurrentCell> DecoderCells => _decoder;

        /// <summary>The attention layer, or null for a plain encoder-decoder.</summary>
        public LuongAttention? Attention { get; }

        /// <summary>The softmax over the target vocabulary, reading h̃ (with attention) or the decoder's top output.</summary>
        public SoftmaxDecoder Output { get; }

        /// <summary>Every parameter: source embedding, encoder cells, target embedding, decoder cells, attention, output.</summary>
        public ParameterSet Parameters { get; }

        public int StartToken { get; }
        public int EndToken { get; }
        public int HiddenSize { get; }
        public int SourceVocabulary => SourceEmbedding.VocabularySize;
        public int TargetVocabulary => TargetEmbedding.VocabularySize;

        /// <summary>Draws every parameter from U[−s, s] in <see cref="Parameters"/> order with one generator (cells as
        /// <see cref="CellInit.Uniform"/>: declared constants kept).</summary>
        public void Initialize(int seed, float scale)
        {
            var rng = new CellRandom(seed);
            foreach (var g in Parameters.Groups)
                if (g.Owner is IRecurrentCell cell) CellInit.Uniform(cell, rng, scale);
                else rng.FillUniform(g.Owner.Parameters, -scale, scale);
        }

        /// <summary>All activation memory for batches of <paramref name="batch"/> pairs of up to
        /// <paramref name="sourceSteps"/> source and <paramref name="targetSteps"/> target tokens.</summary>
        public EncoderDecoderWorkspace CreateWorkspace(int sourceSteps, int targetSteps, int batch)
        {
            if (sourceSteps <= 0) throw new ArgumentOutOfRangeException(nameof(sourceSteps), sourceSteps, "A source needs at least one step.");
            if (targetSteps <= 0) throw new ArgumentOutOfRangeException(nameof(targetSteps), targetSteps, "A target needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one row.");
            return new EncoderDecoderWorkspace(this, sourceSteps, targetSteps, batch);
        }

        /// <summary>
        /// Teacher-forced pass over source [Ts, B] and target [Tt, B] token ids (time-major, right-padded; what lies
        /// past a row's length is never read). Row b's target holds its output tokens, ending with
        /// <see cref="EndToken"/>, in its first targetLengths[b] steps. Returns the mean NLL per target token; ws
        /// then holds each position's probabilities and NLL.
        /// </summary>
        public double Forward(EncoderDecoderWorkspace ws, ReadOnlySpan<int> source, ReadOnlySpan<int> sourceLengths,
            ReadOnlySpan<int> target, ReadOnlySpan<int> targetLengths)
        {
            Check(ws);
            ws.Load(source, sourceLengths, target, targetLengths);
            SourceEmbedding.Forward(ws.SourceTokens, ws.SourceEmbedded);
            ws.Encoder.Forward(ws.SourceEmbedded, ws.SourceLengths);
            TargetEmbedding.Forward(ws.TargetInputs, ws.TargetEmbedded);
            for (int l = 0; l < _decoder.Length; l++)
                _decoder[l].Forward(ws.Decoder[l], l == 0 ? ws.TargetEmbedded : ws.Decoder[l - 1].Output, ws.Encoder.Final(l));
            ws.Decoder[^1].Output.CopyTo(ws.Top);
            if (Attention != null)
            {
                Attention.SetSource(ws.Attention!, ws.Encoder.Output, ws.SourceLengths);
                Attention.Forward(ws.Attention!, ws.Encoder.Output, ws.Top);
            }
            double sum = Output.Forward(ws.Hidden, ws.Rows, ws.Logits, ws.Targets, ws.Weights, ws.Nll, default);
            return sum / ws.Tokens;
        }

        /// <summary>Adds to every gradient the derivative of the mean NLL per target token of the last Forward on ws.</summary>
        public void Backward(EncoderDecoderWorkspace ws) => Backward(ws, 1f / Check(ws).Tokens);

        /// <summary>Adds to every gradient the derivative of L = scale·Σ nll over the last Forward's target tokens.</summary>
        public void Backward(EncoderDecoderWorkspace ws, float scale)
        {
            Check(ws);
            Output.Backward(ws.Hidden, ws.Rows, ws.Logits, ws.Targets, ws.Weights, scale, ws.DHidden);
            float[] dTop = ws.DHidden;
            if (Attention != null)
            {
                Attention.Backward(ws.Attention!, ws.Encoder.Output, ws.Top, ws.DHidden, ws.DEncoderOutput, ws.DTop);
                dTop = ws.DTop;
            }
            for (int l = _decoder.Length - 1; l >= 0; l--)
                _decoder[l].Backward(ws.Decoder[l], l == _decoder.Length - 1 ? dTop : ws.DBelow[l + 1], default,
                    l == 0 ? ws.DTargetEmbedded : ws.DBelow[l], ws.DInitial[l]);
            ws.ClearPaddedTargetGradients();
            ws.Encoder.Backward(Attention != null ? ws.DEncoderOutput : default, ws.DInitial, ws.DSourceEmbedded);
            TargetEmbedding.Backward(ws.TargetInputs, ws.DTargetEmbedded);
            SourceEmbedding.Backward(ws.SourceTokens, ws.DSourceEmbedded);
        }

        private EncoderDecoderWorkspace Check(EncoderDecoderWorkspace ws)
        {
            ArgumentNullException.ThrowIfNull(ws);
            if (!ReferenceEquals(ws.Model, this)) throw new ArgumentException("This workspace was made by another model; call CreateWorkspace on this one.", nameof(ws));
            return ws;
        }

        private static void CheckStack(IReadOnlyList<IRecurrentCell> cells, int embedding, string what, string name)
        {
            for (int l = 0; l < cells.Count; l++)
            {
                ArgumentNullException.ThrowIfNull(cells[l], $"{name}[{l}]");
                int expected = l == 0 ? embedding : cells[l - 1].HiddenSize;
                if (cells[l].InputSize != expected)
                    throw new ArgumentException($"The {what}'s layer {l} ({cells[l].Name}) reads {cells[l].InputSize} inputs, but {(l == 0 ? "the embedding gives" : $"layer {l - 1} gives")} {expected}.", name);
            }
        }

        private static void CheckToken(int token, int vocabulary, string name)
        {
            if ((uint)token >= (uint)vocabulary)
                throw new ArgumentOutOfRangeException(name, token, $"The token id must be in 0..{vocabulary - 1}, the target vocabulary.");
        }
    }

    /// <summary>One training pass's activations for (Ts, Tt, B), allocated once by <see cref="EncoderDecoder.CreateWorkspace"/>.</summary>
    public sealed class EncoderDecoderWorkspace
    {
        internal EncoderDecoderWorkspace(EncoderDecoder model, int sourceSteps, int targetSteps, int batch)
        {
            Model = model;
            SourceSteps = sourceSteps;
            TargetSteps = targetSteps;
            Batch = batch;
            int E = model.SourceEmbedding.Dimension, H = model.HiddenSize, V = model.TargetVocabulary, N = targetSteps * batch;
            Rows = N;
            SourceTokens = new int[sourceSteps * batch];
            SourceLengths = new int[batch];
            TargetInputs = new int[N];
            Targets = new int[N];
            TargetLengths = new int[batch];
            Weights = new float[N];
            SourceEmbedded = new float[sourceSteps * batch * E];
            DSourceEmbedded = new float[SourceEmbedded.Length];
            TargetEmbedded = new float[N * E];
            DTargetEmbedded = new float[TargetEmbedded.Length];
            Encoder = new EncoderStack(model.EncoderCells, sourceSteps, batch);
            int L = model.DecoderCells.Count;
            Decoder = new CellWorkspace[L];
            DInitial = new float[L][];
            DBelow = new float[L][];
            for (int l = 0; l < L; l++)
            {
                var c = model.DecoderCells[l];
                Decoder[l] = c.CreateWorkspace(targetSteps, batch);
                DInitial[l] = new float[c.StateNames.Count * batch * c.HiddenSize];
                DBelow[l] = new float[l > 0 ? N * c.InputSize : 0];
            }
            Top = new float[N * H];
            DTop = new float[N * H];
            DHidden = new float[N * H];
            if (model.Attention != null)
            {
                Attention = model.Attention.CreateWorkspace(sourceSteps, targetSteps, batch);
                DEncoderOutput = new float[sourceSteps * batch * H];
            }
            else DEncoderOutput = Array.Empty<float>();
            Logits = new float[N * V];
            Nll = new float[N];
        }

        internal EncoderDecoder Model { get; }
        public int SourceSteps { get; }
        public int TargetSteps { get; }
        public int Batch { get; }

        /// <summary>Target tokens scored by the last Forward (the sum of the target lengths).</summary>
        public int Tokens { get; private set; }

        /// <summary>The last Forward's probabilities [Tt·B, V] (turned into dL/d logits by Backward).</summary>
        public float[] Logits { get; }

        /// <summary>The last Forward's NLL per position [Tt·B] (padding: of token 0, weight 0).</summary>
        public float[] Nll { get; }

        /// <summary>The attention's workspace (weights, h̃), or null without attention.</summary>
        public AttentionWorkspace? Attention { get; }

        public EncoderStack Encoder { get; }

        internal int Rows { get; }
        internal int[] SourceTokens { get; }
        internal int[] SourceLengths { get; }
        internal int[] TargetInputs { get; }
        internal int[] Targets { get; }
        internal int[] TargetLengths { get; }
        internal float[] Weights { get; }
        internal float[] SourceEmbedded { get; }
        internal float[] DSourceEmbedded { get; }
        internal float[] TargetEmbedded { get; }
        internal float[] DTargetEmbedded { get; }
        internal CellWorkspace[] Decoder { get; }
        internal float[][] DInitial { get; }
        internal float[][] DBelow { get; }
        internal float[] Top { get; }
        internal float[] DTop { get; }
        internal float[] DHidden { get; }
        internal float[] DEncoderOutput { get; }

        /// <summary>What the softmax reads: h̃ with attention, the decoder's top output without.</summary>
        internal float[] Hidden => Attention?.Output ?? Top;

        /// <summary>Copies the batch in with padding replaced by valid ids (never read as data), builds the decoder's
        /// inputs (start token, then the target shifted by one) and the loss weights; names any bad token.</summary>
        internal void Load(ReadOnlySpan<int> source, ReadOnlySpan<int> sourceLengths, ReadOnlySpan<int> target, ReadOnlySpan<int> targetLengths)
        {
            int Ts = SourceSteps, Tt = TargetSteps, B = Batch;
            if (source.Length != Ts * B) throw new ArgumentException($"source must be [Ts={Ts}, B={B}] token ids, got {source.Length}.", nameof(source));
            if (target.Length != Tt * B) throw new ArgumentException($"target must be [Tt={Tt}, B={B}] token ids, got {target.Length}.", nameof(target));
            SequenceLengths.Copy(sourceLengths, Ts, SourceLengths);
            SequenceLengths.Copy(targetLengths, Tt, TargetLengths);
            int vs = Model.SourceVocabulary, vt = Model.TargetVocabulary;
            for (int t = 0; t < Ts; t++)
                for (int b = 0; b < B; b++)
                {
                    int i = t * B + b, token = source[i];
                    if (t < SourceLengths[b] && (uint)token >= (uint)vs)
                        throw new ArgumentOutOfRangeException(nameof(source), token, $"source[t={t}, b={b}] = {token} is outside the source vocabulary 0..{vs - 1}.");
                    SourceTokens[i] = t < SourceLengths[b] ? token : 0;
                }
            int tokens = 0;
            for (int t = 0; t < Tt; t++)
                for (int b = 0; b < B; b++)
                {
                    int i = t * B + b, token = target[i];
                    bool valid = t < TargetLengths[b];
                    if (valid && (uint)token >= (uint)vt)
                        throw new ArgumentOutOfRangeException(nameof(target), token, $"target[t={t}, b={b}] = {token} is outside the target vocabulary 0..{vt - 1}.");
                    Targets[i] = valid ? token : 0;
                    TargetInputs[i] = valid && t > 0 ? target[i - B] : Model.StartToken;
                    Weights[i] = valid ? 1f : 0f;
                    tokens += valid ? 1 : 0;
                }
            Tokens = tokens;
        }

        /// <summary>Padded target steps get no gradient into the embedding (their loss weight is 0 already).</summary>
        internal void ClearPaddedTargetGradients()
        {
            int E = Model.TargetEmbedding.Dimension;
            for (int t = 0; t < TargetSteps; t++)
                for (int b = 0; b < Batch; b++)
                    if (t >= TargetLengths[b]) DTargetEmbedded.AsSpan((t * Batch + b) * E, E).Clear();
        }
    }
}
