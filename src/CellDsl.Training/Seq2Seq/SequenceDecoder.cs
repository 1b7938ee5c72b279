using System;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Seq2Seq
{
    /// <summary>A decoded sequence: its tokens (without the end token) are the first <paramref name="Length"/> of the
    /// output span; <paramref name="Ended"/> says whether it produced the end token (else it stopped at the maximum
    /// length). <paramref name="LogProbability"/> is log P(tokens, end token if any | source) under the model, and
    /// <paramref name="Score"/> that divided by the length penalty.</summary>
    public readonly record struct Decoded(int Length, bool Ended, double LogProbability, double Score);

    /// <summary>
    /// Greedy and beam-search decoding of one source at a time with an <see cref="EncoderDecoder"/>. Everything is
    /// allocated in the constructor; a decode allocates nothing. The encoder runs once over the source, then the
    /// decoder one step per token on (1, k) workspaces, each step's states carried into the next.
    /// </summary>
    /// <remarks>
    /// Beam search (Sutskever et al. 2014, section 3.2): at each step every live hypothesis is extended by every token
    /// and the k best extensions by log-probability are kept; those ending in the end token are complete and leave
    /// the beam, the rest live on (so k = 1 is greedy decoding). A hypothesis still live at the maximum length is
    /// complete there. Complete hypotheses are compared by log P / lp(m), Wu et al. 2016's length penalty
    /// lp(m) = ((5 + m) / 6)^α, m counting the end token (α = 0: plain log-probability). The search stops early when
    /// no live hypothesis can beat the best complete one: log P only falls as a hypothesis grows and lp(m) ≤
    /// lp(max length), so a live hypothesis at log P = s can score at most s / lp(max length).
    /// </remarks>
    public sealed class SequenceDecoder
    {
        private readonly EncoderDecoder _model;
        private readonly EncoderStack _encoder;
        private readonly int[] _sourceTokens, _sourceLength = new int[1];
        private readonly float[] _sourceEmbedded;
        private readonly Lane _one, _beam;
        // beam bookkeeping: per step t and slot j, the slot of the parent at t−1 and the token chosen at t
        private readonly int[] _parent, _token, _liveTokens, _candidateSlot, _candidateToken;
        private readonly double[] _liveScore, _nextScore, _candidateScore;

        public SequenceDecoder(EncoderDecoder model, int maxSourceLength, int maxLength, int beamWidth = 1, double lengthPenalty = 0)
        {
            ArgumentNullException.ThrowIfNull(model);
            if (maxSourceLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxSourceLength), maxSourceLength, "A source needs at least one step.");
            if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "The maximum output length must be positive.");
            if (beamWidth <= 0) throw new ArgumentOutOfRangeException(nameof(beamWidth), beamWidth, "The beam needs at least one hypothesis.");
            if (!(lengthPenalty >= 0) || double.IsInfinity(lengthPenalty))
                throw new ArgumentOutOfRangeException(nameof(lengthPenalty), lengthPenalty, "The length penalty's α must be finite and at least 0 (0: none).");
            _model = model;
            MaxSourceLength = maxSourceLength;
            MaxLength = maxLength;
            BeamWidth = beamWidth;
            LengthPenalty = lengthPenalty;
            _encoder = new EncoderStack(model.EncoderCells, maxSourceLength, 1);
            _sourceTokens = new int[maxSourceLength];
            _sourceEmbedded = new float[maxSourceLength * model.SourceEmbedding.Dimension];
            _one = new Lane(model, maxSourceLength, 1);
            _beam = beamWidth == 1 ? _one : new Lane(model, maxSourceLength, beamWidth);
            _parent = new int[maxLength * beamWidth];
            _token = new int[maxLength * beamWidth];
            _liveTokens = new int[beamWidth];
            _liveScore = new double[beamWidth];
            _nextScore = new double[beamWidth];
            _candidateScore = new double[beamWidth];
            _candidateSlot = new int[beamWidth];
            _candidateToken = new int[beamWidth];
        }

        public int MaxSourceLength { get; }
        public int MaxLength { get; }
        public int BeamWidth { get; }

        /// <summary>α of the length penalty lp(m) = ((5 + m) / 6)^α; 0 compares plain log-probabilities.</summary>
        public double LengthPenalty { get; }

        /// <summary>The score of a complete hypothesis of m tokens (end token included) and log-probability logP.</summary>
        public double Score(double logProbability, int tokens) => LengthPenalty == 0 ? logProbability : logProbability / Math.Pow((5.0 + tokens) / 6.0, LengthPenalty);

        /// <summary>Takes the most probable token at each step until the end token or the maximum length.</summary>
        public Decoded Greedy(ReadOnlySpan<int> source, Span<int> output)
        {
            Encode(source, output);
            _one.Start(_encoder);
            int token = _model.StartToken, V = _model.TargetVocabulary, length = 0;
            double logP = 0;
            for (int t = 0; t < MaxLength; t++)
            {
                _liveTokens[0] = token;
                var logits = _one.Step(_liveTokens.AsSpan(0, 1));
                double lse = LogSumExp(logits.AsSpan(0, V));
                int best = 0;
                for (int v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
                logP += logits[best] - lse;
                if (best == _model.EndToken) return new Decoded(length, true, logP, Score(logP, length + 1));
                output[length++] = token = best;
            }
            return new Decoded(length, false, logP, Score(logP, length));
        }

        /// <summary>Beam search of width <see cref="BeamWidth"/> (see the class remarks); returns the best complete hypothesis.</summary>
        public Decoded Beam(ReadOnlySpan<int> source, Span<int> output)
        {
            Encode(source, output);
            _beam.Start(_encoder);
            int k = BeamWidth, V = _model.TargetVocabulary, live = 1;
            _liveScore[0] = 0;
            _liveTokens.AsSpan().Fill(_model.StartToken);
            double bestScore = double.NegativeInfinity, bestLogP = 0, bound = Score(1, MaxLength);
            int bestStep = -1, bestSlot = 0, bestLength = 0;
            bool bestEnded = false;
            for (int t = 0; t < MaxLength; t++)
            {
                var logits = _beam.Step(_liveTokens);
                // the k best extensions of the live hypotheses, best first (ties: the earlier slot and token)
                int count = 0;
                for (int i = 0; i < live; i++)
                {
                    var row = logits.AsSpan(i * V, V);
                    double lse = LogSumExp(row);
                    for (int v = 0; v < V; v++)
                    {
                        double s = _liveScore[i] + (row[v] - lse);
                        if (count == k && !(s > _candidateScore[k - 1])) continue;
                        int at = count < k ? count++ : k - 1;
                        while (at > 0 && s > _candidateScore[at - 1])
                        {
                            _candidateScore[at] = _candidateScore[at - 1]; _candidateSlot[at] = _candidateSlot[at - 1]; _candidateToken[at] = _candidateToken[at - 1];
                            at--;
                        }
                        _candidateScore[at] = s; _candidateSlot[at] = i; _candidateToken[at] = v;
                    }
                }
                int next = 0;
                for (int c = 0; c < count; c++)
                {
                    double s = _candidateScore[c];
                    if (_candidateToken[c] == _model.EndToken)
                    {
                        double score = Score(s, t + 1);
                        if (score > bestScore) (bestScore, bestLogP, bestStep, bestSlot, bestLength, bestEnded) = (score, s, t - 1, _candidateSlot[c], t, true);
                        continue;
                    }
                    _parent[t * k + next] = _candidateSlot[c];
                    _token[t * k + next] = _candidateToken[c];
                    _nextScore[next++] = s;
                }
                live = next;
                if (live == 0) break;
                if (t == MaxLength - 1)
                {
                    for (int j = 0; j < live; j++)
                    {
                        double score = Score(_nextScore[j], t + 1);
                        if (score > bestScore) (bestScore, bestLogP, bestStep, bestSlot, bestLength, bestEnded) = (score, _nextScore[j], t, j, t + 1, false);
                    }
                    break;
                }
                _nextScore.AsSpan(0, live).CopyTo(_liveScore);
                double bestLive = double.NegativeInfinity;
                for (int j = 0; j < live; j++) bestLive = Math.Max(bestLive, _liveScore[j]);
                if (bestScore >= bestLive * bound) break;   // bound = 1 / lp(max length): no live hypothesis can win
                for (int j = 0; j < k; j++) _liveTokens[j] = j < live ? _token[t * k + j] : _model.StartToken;
                _beam.Reorder(_parent.AsSpan(t * k, live));
            }
            for (int s = bestStep, j = bestSlot; s >= 0; s--)
            {
                output[s] = _token[s * k + j];
                j = _parent[s * k + j];
            }
            return new Decoded(bestLength, bestEnded, bestLogP, bestScore);
        }

        private void Encode(ReadOnlySpan<int> source, Span<int> output)
        {
            int n = source.Length, V = _model.SourceVocabulary;
            if (n < 1 || n > MaxSourceLength)
                throw new ArgumentException($"The source has {n} tokens; this decoder takes 1..{MaxSourceLength} (its maxSourceLength).", nameof(source));
            if (output.Length < MaxLength)
                throw new ArgumentException($"output must hold the maximum length, {MaxLength} tokens; it holds {output.Length}.", nameof(output));
            for (int t = 0; t < MaxSourceLength; t++)
            {
                if (t < n && (uint)source[t] >= (uint)V)
                    throw new ArgumentOutOfRangeException(nameof(source), source[t], $"source[{t}] = {source[t]} is outside the source vocabulary 0..{V - 1}.");
                _sourceTokens[t] = t < n ? source[t] : 0;
            }
            _sourceLength[0] = n;
            _model.SourceEmbedding.Forward(_sourceTokens, _sourceEmbedded);
            _encoder.Forward(_sourceEmbedded, _sourceLength);
        }

        private static double LogSumExp(ReadOnlySpan<float> z)
        {
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in z) max = Math.Max(max, v);
            foreach (float v in z) sum += Math.Exp(v - max);
            return max + Math.Log(sum);
        }

        /// <summary>k hypotheses decoded side by side: the decoder's (1, k) workspaces and states, and for attention
        /// the source's encoder outputs repeated in each of the k rows.</summary>
        private sealed class Lane
        {
            private readonly EncoderDecoder _model;
            private readonly int _rows;
            private readonly CellWorkspace[] _ws;
            private readonly float[][] _state, _spare;   // per layer [S, k, H]
            private readonly float[] _x, _top, _source, _logits;
            private readonly int[] _lengths;
            private readonly AttentionWorkspace? _attention;

            public Lane(EncoderDecoder model, int sourceSteps, int rows)
            {
                _model = model;
                _rows = rows;
                int L = model.DecoderCells.Count, H = model.HiddenSize;
                _ws = new CellWorkspace[L];
                _state = new float[L][];
                _spare = new float[L][];
                for (int l = 0; l < L; l++)
                {
                    var c = model.DecoderCells[l];
                    _ws[l] = c.CreateWorkspace(1, rows);
                    _state[l] = new float[c.StateNames.Count * rows * c.HiddenSize];
                    _spare[l] = new float[_state[l].Length];
                }
                _x = new float[rows * model.TargetEmbedding.Dimension];
                _top = new float[rows * H];
                _logits = new float[rows * model.TargetVocabulary];
                _lengths = new int[rows];
                if (model.Attention != null)
                {
                    _attention = model.Attention.CreateWorkspace(sourceSteps, 1, rows);
                    _source = new float[sourceSteps * rows * H];
                }
                else _source = Array.Empty<float>();
            }

            /// <summary>Every row starts from the encoder's final states (of its one source row) and attends over its outputs.</summary>
            public void Start(EncoderStack encoder)
            {
                int k = _rows;
                for (int l = 0; l < _ws.Length; l++)
                {
                    var cell = _model.DecoderCells[l];
                    int H = cell.HiddenSize;
                    var final = encoder.Final(l);
                    for (int s = 0; s < cell.StateNames.Count; s++)
                        for (int r = 0; r < k; r++) final.AsSpan(s * H, H).CopyTo(_state[l].AsSpan((s * k + r) * H, H));
                }
                if (_attention == null) return;
                int Ts = encoder.Steps, H2 = _model.HiddenSize;
                var outputs = encoder.Output;
                for (int t = 0; t < Ts; t++)
                    for (int r = 0; r < k; r++) outputs.AsSpan(t * H2, H2).CopyTo(_source.AsSpan((t * k + r) * H2, H2));
                _lengths.AsSpan().Fill(encoder.Lengths[0]);
                _model.Attention!.SetSource(_attention, _source, _lengths);
            }

            /// <summary>One decoder step for each row's input token; returns the logits [k, V].</summary>
            public float[] Step(ReadOnlySpan<int> tokens)
            {
                _model.TargetEmbedding.Forward(tokens, _x);
                for (int l = 0; l < _ws.Length; l++)
                {
                    _model.DecoderCells[l].Forward(_ws[l], l == 0 ? _x : _ws[l - 1].Output, _state[l]);
                    _ws[l].CopyFinalStates(_state[l]);
                }
                _ws[^1].Output.CopyTo(_top);
                float[] hidden = _top;
                if (_attention != null)
                {
                    _model.Attention!.Forward(_attention, _source, _top);
                    hidden = _attention.Output;
                }
                _model.Output.Logits(hidden, _rows, _logits);
                return _logits;
            }

            /// <summary>Row j takes the states of row parents[j]; rows past the live ones copy the first live one (kept finite, unread).</summary>
            public void Reorder(ReadOnlySpan<int> parents)
            {
                int k = _rows;
                for (int l = 0; l < _ws.Length; l++)
                {
                    var cell = _model.DecoderCells[l];
                    int H = cell.HiddenSize;
                    float[] from = _state[l], to = _spare[l];
                    for (int s = 0; s < cell.StateNames.Count; s++)
                        for (int j = 0; j < k; j++)
                            from.AsSpan((s * k + (j < parents.Length ? parents[j] : parents[0])) * H, H).CopyTo(to.AsSpan((s * k + j) * H, H));
                    _state[l] = to;
                    _spare[l] = from;
                }
            }
        }
    }
}
