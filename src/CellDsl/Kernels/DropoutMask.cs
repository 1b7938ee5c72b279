using System;
using System.Numerics.Tensors;

namespace CellDsl.Kernels
{
    /// <summary>Inverted dropout: a keep-mask of 0 and 1/(1−p) so the expected activation is unchanged and evaluation needs no rescale.</summary>
    public static class DropoutMask
    {
        /// <summary>Each element is dropped (0) with probability <paramref name="p"/>, else kept as 1/(1−p); draws one
        /// uniform per element from <paramref name="random"/> in order, so a seed fixes the mask.</summary>
        public static void Fill(Span<float> mask, float p, CellRandom random)
        {
            ArgumentNullException.ThrowIfNull(random);
            if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), p, "The dropout probability must be in [0, 1).");
            float keep = 1f / (1f - p);
            for (int i = 0; i < mask.Length; i++) mask[i] = random.NextDouble() < p ? 0f : keep;
        }

        /// <summary>y = x ⊙ mask (forward) or dx = dy ⊙ mask (backward): the same product both ways.</summary>
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y) => TensorPrimitives.Multiply(x, mask, y);
    }
}
