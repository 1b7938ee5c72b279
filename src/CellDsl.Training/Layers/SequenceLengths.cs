using System;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// Per-row lengths of a right-padded batch [T, B, ·]: row b holds its sequence in steps 0 .. lengths[b]−1 and
    /// padding after. An empty span means every row is T steps long.
    /// </summary>
    public static class SequenceLengths
    {
        /// <summary>Copies <paramref name="lengths"/> into <paramref name="destination"/> [B] (T each when empty),
        /// checking each is in 1..T.</summary>
        public static void Copy(ReadOnlySpan<int> lengths, int steps, Span<int> destination)
        {
            int batch = destination.Length;
            if (lengths.IsEmpty) { destination.Fill(steps); return; }
            if (lengths.Length != batch)
                throw new ArgumentException($"lengths must give one length per row ({batch}), got {lengths.Length}.", nameof(lengths));
            for (int b = 0; b < batch; b++)
            {
                if (lengths[b] < 1 || lengths[b] > steps)
                    throw new ArgumentOutOfRangeException(nameof(lengths), lengths[b], $"Row {b}'s length {lengths[b]} is outside 1..{steps} (the workspace's steps).");
                destination[b] = lengths[b];
            }
        }

        /// <summary>weights[t·B + b] = 1 for valid steps and 0 for padding: the per-step losses (tagging, per-step
        /// regression) that padding must not enter.</summary>
        public static void StepWeights(ReadOnlySpan<int> lengths, int steps, Span<float> weights)
        {
            int batch = lengths.Length;
            if (weights.Length != steps * batch)
                throw new ArgumentException($"weights must be [T={steps}, B={batch}] floats, got {weights.Length}.", nameof(weights));
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < batch; b++)
                    weights[t * batch + b] = t < lengths[b] ? 1f : 0f;
        }
    }
}
