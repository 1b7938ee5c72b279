using System;
using CellDsl.Training.Data;

namespace CellDsl.Training.Bptt
{
    /// <summary>
    /// Zaremba's batching (reader.ptb_producer): one long token stream cut into B parallel streams of
    /// ⌊length/B⌋ tokens (the remainder dropped), read in windows of T steps; window w's input at step t of stream
    /// b is token b·len + w·T + t and its target the token after it. Rows are time-major, row t·B + b, matching the
    /// cells' x [T, B, I]. Stream b of window w+1 continues where window w stopped, which is why the trainer carries
    /// the hidden state across windows.
    /// </summary>
    public sealed class WindowBatcher
    {
        private readonly int[] _tokens;
        private readonly bool[]? _scored;

        public WindowBatcher(TokenStream stream, int steps, int batch)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A window needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one stream.");
            Source = stream.Source;
            Steps = steps;
            Batch = batch;
            StreamLength = stream.Length / batch;
            Windows = (StreamLength - 1) / steps;
            if (Windows <= 0)
                throw new ArgumentException($"{stream.Source}: {stream.Length} tokens are too few for one window of {steps} steps over {batch} streams, " +
                    $"which needs at least {(long)batch * (steps + 1)} tokens; use a longer text, a shorter window (steps) or fewer streams (batch).", nameof(stream));
            _tokens = stream.Tokens;
            _scored = stream.Scored;
        }

        public string Source { get; }
        public int Steps { get; }
        public int Batch { get; }

        /// <summary>Tokens per parallel stream.</summary>
        public int StreamLength { get; }

        /// <summary>Windows per epoch: ⌊(StreamLength − 1)/T⌋.</summary>
        public int Windows { get; }

        /// <summary>Scored targets per epoch (every target when the stream scores all).</summary>
        public long ScoredTargets
        {
            get
            {
                long n = 0;
                for (int b = 0; b < Batch; b++)
                    for (int p = 1; p <= Windows * Steps; p++) n += _scored == null || _scored[b * StreamLength + p] ? 1 : 0;
                return n;
            }
        }

        /// <summary>Writes window <paramref name="window"/>'s inputs, targets and weights (1 scored, 0 not), each [T·B].</summary>
        public void Fill(int window, Span<int> inputs, Span<int> targets, Span<float> weights)
        {
            if ((uint)window >= (uint)Windows) throw new ArgumentOutOfRangeException(nameof(window), window, $"{Source} has windows 0..{Windows - 1}.");
            int T = Steps, B = Batch;
            if (inputs.Length != T * B || targets.Length != T * B || weights.Length != T * B)
                throw new ArgumentException($"inputs, targets and weights must each hold T·B = {T * B} entries.");
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                {
                    int i = b * StreamLength + window * T + t, row = t * B + b;
                    inputs[row] = _tokens[i];
                    targets[row] = _tokens[i + 1];
                    weights[row] = _scored == null || _scored[i + 1] ? 1f : 0f;
                }
        }
    }
}
