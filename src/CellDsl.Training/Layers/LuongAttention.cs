using System;
using System.Numerics.Tensors;
using CellDsl.Kernels;

namespace CellDsl.Training.Layers
{
    /// <summary>How a decoder state h_t is scored against an encoder output h̄_s (Luong et al. 2015, section 3.1).</summary>
    public enum AttentionScore
    {
        /// <summary>score = h_tᵀ W_a h̄_s, W_a [H, H]: the paper's best global variant.</summary>
        General,
        /// <summary>score = h_tᵀ h̄_s: no parameters of its own.</summary>
        Dot,
    }

    /// <summary>
    /// Luong et al. 2015's global attention over a right-padded batch of encoder outputs, without input feeding:
    /// a_t = softmax over the row's valid source steps of score(h_t, h̄_s), c_t = Σ_s a_ts·h̄_s, and the attentional
    /// state h̃_t = tanh(W_c [c_t ; h_t]) (W_c [H, 2H], no bias, as in the paper) that feeds the softmax. Source steps
    /// past a row's length get weight exactly 0 and are never read, so padding cannot leak even as NaN.
    /// Sequences are time-major like the cells': source [Ts, B, H], decoder states [Tt, B, H]. Each row's scores and
    /// contexts are <see cref="Sgemm"/> products over its strided rows (leading dimension B·H), sized to its length.
    /// </summary>
    public sealed class LuongAttention : IParameterized
    {
        private readonly float[] _parameters;   // [W_c (H×2H) | W_a (H×H), general only]
        private readonly float[] _gradients;
        private readonly int _wa;                // offset of W_a

        public LuongAttention(int hiddenSize, AttentionScore score)
        {
            if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "The attention's hidden size must be positive.");
            if (!Enum.IsDefined(score)) throw new ArgumentOutOfRangeException(nameof(score), score, "The score is General or Dot.");
            HiddenSize = hiddenSize;
            Score = score;
            _wa = 2 * hiddenSize * hiddenSize;
            _parameters = new float[_wa + (score == AttentionScore.General ? hiddenSize * hiddenSize : 0)];
            _gradients = new float[_parameters.Length];
        }

        public int HiddenSize { get; }
        public AttentionScore Score { get; }

        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public void ZeroGradients() => Array.Clear(_gradients);

        /// <summary>W_c [H, 2H]: its first H columns read the context, the last H the decoder state.</summary>
        public Span<float> Combine => _parameters.AsSpan(0, _wa);

        /// <summary>W_a [H, H] of the general score (empty for dot).</summary>
        public Span<float> ScoreWeight => _parameters.AsSpan(_wa);

        /// <summary>All memory for <paramref name="sourceSteps"/> encoder steps, <paramref name="targetSteps"/>
        /// decoder steps and <paramref name="batch"/> rows, allocated once.</summary>
        public AttentionWorkspace CreateWorkspace(int sourceSteps, int targetSteps, int batch)
        {
            if (sourceSteps <= 0) throw new ArgumentOutOfRangeException(nameof(sourceSteps), sourceSteps, "A source needs at least one step.");
            if (targetSteps <= 0) throw new ArgumentOutOfRangeException(nameof(targetSteps), targetSteps, "A target needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one row.");
            return new AttentionWorkspace(this, sourceSteps, targetSteps, batch);
        }

        /// <summary>Takes the encoder outputs source [Ts, B, H] with row b valid for lengths[b] steps (empty: all):
        /// computes the keys (W_a h̄_s for general) once for every later <see cref="Forward"/> on them.</summary>
        public void SetSource(AttentionWorkspace ws, float[] source, ReadOnlySpan<int> lengths = default)
        {
            Check(ws);
            CheckSize(source, ws.SourceSteps, ws.Batch, nameof(source));
            SequenceLengths.Copy(lengths, ws.SourceSteps, ws.SourceLengths);
            if (Score == AttentionScore.Dot) return;
            int B = ws.Batch, H = HiddenSize, ld = B * H;
            for (int b = 0; b < B; b++)   // K_b [n, H] = H̄_b · W_aᵀ, over the row's valid steps only
                Sgemm.Multiply(false, true, ws.SourceLengths[b], H, H, source, b * H, ld, _parameters, _wa, H, ws.Keys, b * H, ld, accumulate: false);
        }

        /// <summary>Attends from the decoder states target [Tt, B, H] over the source of the last
        /// <see cref="SetSource"/>: writes h̃ [Tt, B, H] into <see cref="AttentionWorkspace.Output"/> and the weights
        /// [Tt, B, Ts] (zero past each row's length) into <see cref="AttentionWorkspace.Weights"/>.</summary>
        public void Forward(AttentionWorkspace ws, float[] source, float[] target)
        {
            Check(ws);
            CheckSize(source, ws.SourceSteps, ws.Batch, nameof(source));
            CheckSize(target, ws.TargetSteps, ws.Batch, nameof(target));
            int Ts = ws.SourceSteps, Tt = ws.TargetSteps, B = ws.Batch, H = HiddenSize, ld = B * H;
            var keys = Score == AttentionScore.Dot ? source : ws.Keys;
            var a = ws.Weights;
            var cat = ws.Concat;
            for (int b = 0; b < B; b++)
            {
                int n = ws.SourceLengths[b];
                // scores_b [Tt, n] = H_b · K_bᵀ, then a softmax over each row's n valid steps
                Sgemm.Multiply(false, true, Tt, n, H, target, b * H, ld, keys, b * H, ld, a, b * Ts, B * Ts, accumulate: false);
                for (int t = 0; t < Tt; t++)
                {
                    var row = a.AsSpan((t * B + b) * Ts, Ts);
                    var valid = row.Slice(0, n);
                    float max = TensorPrimitives.Max(valid);
                    TensorPrimitives.Subtract(valid, max, valid);
                    TensorPrimitives.Exp(valid, valid);
                    TensorPrimitives.Divide(valid, TensorPrimitives.Sum(valid), valid);
                    row.Slice(n).Clear();
                }
                // c_b [Tt, H] = A_b · H̄_b, into the first half of [c ; h]
                Sgemm.Multiply(false, false, Tt, H, n, a, b * Ts, B * Ts, source, b * H, ld, cat, b * 2 * H, B * 2 * H, accumulate: false);
            }
            RowOps.Copy(cat, H, 2 * H, target, 0, H, Tt * B, H);
            Sgemm.Multiply(false, true, Tt * B, H, 2 * H, cat, 0, 2 * H, _parameters, 0, 2 * H, ws.Output, 0, H, accumulate: false);
            TensorPrimitives.Tanh(ws.Output, ws.Output);
        }

        /// <summary>Back-propagates dL/dh̃ [Tt, B, H] through the last Forward (same source and target): adds to the
        /// gradients of W_c and W_a, writes dL/d source [Ts, B, H] (zero past each row's length) and dL/d target
        /// [Tt, B, H]. <paramref name="dOutput"/> is left unchanged.</summary>
        public void Backward(AttentionWorkspace ws, float[] source, float[] target, ReadOnlySpan<float> dOutput, float[] dSource, float[] dTarget)
        {
            Check(ws);
            CheckSize(source, ws.SourceSteps, ws.Batch, nameof(source));
            CheckSize(target, ws.TargetSteps, ws.Batch, nameof(target));
            CheckSize(dSource, ws.SourceSteps, ws.Batch, nameof(dSource));
            CheckSize(dTarget, ws.TargetSteps, ws.Batch, nameof(dTarget));
            int Ts = ws.SourceSteps, Tt = ws.TargetSteps, B = ws.Batch, H = HiddenSize, ld = B * H, N = Tt * B;
            if (dOutput.Length != N * H)
                throw new ArgumentException($"dOutput must be [Tt={Tt}, B={B}, H={H}] floats, got {dOutput.Length}.", nameof(dOutput));
            // dz = dh̃ ⊙ (1 − h̃²); dW_c += dzᵀ·[c ; h]; d[c ; h] = dz·W_c
            var dz = ws.DZ;
            TensorPrimitives.Multiply(ws.Output, ws.Output, dz);
            TensorPrimitives.Subtract(1f, dz, dz);
            TensorPrimitives.Multiply(dz, dOutput, dz);
            Sgemm.Multiply(true, false, H, 2 * H, N, dz, 0, H, ws.Concat, 0, 2 * H, _gradients, 0, 2 * H, accumulate: true);
            var dcat = ws.DConcat;
            Sgemm.Multiply(false, false, N, 2 * H, H, dz, 0, H, _parameters, 0, 2 * H, dcat, 0, 2 * H, accumulate: false);
            RowOps.Copy(dTarget, 0, H, dcat, H, 2 * H, N, H);

            bool dot = Score == AttentionScore.Dot;
            var keys = dot ? source : ws.Keys;
            var dKeys = dot ? dSource : ws.DKeys;
            var a = ws.Weights;
            var ds = ws.DScores;
            for (int b = 0; b < B; b++)
            {
                int n = ws.SourceLengths[b];
                // da_b [Tt, n] = dc_b · H̄_bᵀ;  dH̄_b = A_bᵀ · dc_b
                Sgemm.Multiply(false, true, Tt, n, H, dcat, b * 2 * H, B * 2 * H, source, b * H, ld, ds, b * Ts, B * Ts, accumulate: false);
                Sgemm.Multiply(true, false, n, H, Tt, a, b * Ts, B * Ts, dcat, b * 2 * H, B * 2 * H, dSource, b * H, ld, accumulate: false);
                RowOps.Clear(dSource, (n * B + b) * H, ld, Ts - n, H);
                // softmax: dscore = a ⊙ (da − Σ_s a·da)
                for (int t = 0; t < Tt; t++)
                {
                    var ar = a.AsSpan((t * B + b) * Ts, n);
                    var dr = ds.AsSpan((t * B + b) * Ts, n);
                    float dotAd = TensorPrimitives.Dot(ar, dr);
                    TensorPrimitives.Subtract(dr, dotAd, dr);
                    TensorPrimitives.Multiply(dr, ar, dr);
                }
                // scores = H_b · K_bᵀ: dH_b += dS_b · K_b; dK_b (+)= dS_bᵀ · H_b (dot: K is H̄, so into dH̄)
                Sgemm.Multiply(false, false, Tt, H, n, ds, b * Ts, B * Ts, keys, b * H, ld, dTarget, b * H, ld, accumulate: true);
                Sgemm.Multiply(true, false, n, H, Tt, ds, b * Ts, B * Ts, target, b * H, ld, dKeys, b * H, ld, accumulate: dot);
                if (dot) continue;
                // K_b = H̄_b · W_aᵀ: dW_a += dK_bᵀ · H̄_b; dH̄_b += dK_b · W_a
                Sgemm.Multiply(true, false, H, H, n, dKeys, b * H, ld, source, b * H, ld, _gradients, _wa, H, accumulate: true);
                Sgemm.Multiply(false, false, n, H, H, dKeys, b * H, ld, _parameters, _wa, H, dSource, b * H, ld, accumulate: true);
            }
        }

        private void Check(AttentionWorkspace ws)
        {
            ArgumentNullException.ThrowIfNull(ws);
            if (!ReferenceEquals(ws.Owner, this)) throw new ArgumentException("This workspace was made by another attention layer; call CreateWorkspace on this one.", nameof(ws));
        }

        private void CheckSize(float[] x, int steps, int batch, string name)
        {
            ArgumentNullException.ThrowIfNull(x, name);
            if (x.Length != steps * batch * HiddenSize)
                throw new ArgumentException($"{name} must be [T={steps}, B={batch}, H={HiddenSize}] floats, got {x.Length}.", name);
        }
    }

    /// <summary>The activations of one <see cref="LuongAttention"/> for fixed (Ts, Tt, B), allocated once.</summary>
    public sealed class AttentionWorkspace
    {
        internal AttentionWorkspace(LuongAttention owner, int sourceSteps, int targetSteps, int batch)
        {
            Owner = owner;
            SourceSteps = sourceSteps;
            TargetSteps = targetSteps;
            Batch = batch;
            int H = owner.HiddenSize, N = targetSteps * batch;
            SourceLengths = new int[batch];
            bool general = owner.Score == AttentionScore.General;
            Keys = new float[general ? sourceSteps * batch * H : 0];
            DKeys = new float[Keys.Length];
            Weights = new float[N * sourceSteps];
            DScores = new float[Weights.Length];
            Concat = new float[N * 2 * H];
            DConcat = new float[Concat.Length];
            Output = new float[N * H];
            DZ = new float[Output.Length];
        }

        internal LuongAttention Owner { get; }
        public int SourceSteps { get; }
        public int TargetSteps { get; }
        public int Batch { get; }

        /// <summary>The attentional states h̃ [Tt, B, H] of the last Forward; read only.</summary>
        public float[] Output { get; }

        /// <summary>The attention weights a [Tt, B, Ts] of the last Forward, zero past each row's source length.</summary>
        public float[] Weights { get; }

        internal int[] SourceLengths { get; }
        internal float[] Keys { get; }
        internal float[] DKeys { get; }
        internal float[] DScores { get; }
        internal float[] Concat { get; }
        internal float[] DConcat { get; }
        internal float[] DZ { get; }
    }
}
