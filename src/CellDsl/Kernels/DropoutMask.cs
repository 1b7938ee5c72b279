using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            int i = Avx512DQ.IsSupported ? FillVectors(mask, p, keep, random) : 0;
            for (; i < mask.Length; i++) mask[i] = random.NextDouble() < p ? 0f : keep;
        }

        /// <summary>The whole 32-element groups of <see cref="Fill"/>, 32 draws at a time: SplitMix64's draw j is a
        /// function of state + j·γ alone, so lanes compute draws side by side; returns the elements done and leaves the
        /// generator after them. u·2⁻⁵³ &lt; p (u the draw's top 53 bits, both sides exact) is u &lt; ⌈p·2⁵³⌉ in integers:
        /// the same mask bit for bit.</summary>
        private static int FillVectors(Span<float> mask, float p, float keep, CellRandom random)
        {
            const ulong gamma = 0x9E3779B97F4A7C15UL;
            int n = mask.Length / 32 * 32;
            if (n == 0) return 0;
            ulong state = random.State;
            var threshold = Vector512.Create((ulong)Math.Ceiling(p * 9007199254740992.0));   // 2^53
            var step = Vector512.Create(unchecked(8 * gamma));
            var lanes = Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8) * gamma;
            var z0 = Vector512.Create(state) + lanes;
            var z1 = z0 + step;
            var step2 = step + step;
            var kept = Vector512.Create(keep);
            ref float m = ref MemoryMarshal.GetReference(mask);
            for (int i = 0; i < n; i += 32)
            {
                var dropA = Vector512.Narrow(Drop(z0, threshold), Drop(z1, threshold));
                z0 += step2; z1 += step2;
                var dropB = Vector512.Narrow(Drop(z0, threshold), Drop(z1, threshold));
                z0 += step2; z1 += step2;
                Vector512.ConditionalSelect(dropA.AsSingle(), Vector512<float>.Zero, kept).StoreUnsafe(ref m, (nuint)i);
                Vector512.ConditionalSelect(dropB.AsSingle(), Vector512<float>.Zero, kept).StoreUnsafe(ref m, (nuint)i + 16);
            }
            random.State = unchecked(state + (ulong)n * gamma);
            return n;
        }

        /// <summary>All ones where SplitMix64's output for these states is dropped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<ulong> Drop(Vector512<ulong> z, Vector512<ulong> threshold)
        {
            z = (z ^ Vector512.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ Vector512.ShiftRightLogical(z, 27)) * 0x94D049BB133111EBUL;
            z ^= Vector512.ShiftRightLogical(z, 31);
            return Vector512.LessThan(Vector512.ShiftRightLogical(z, 11), threshold);
        }

        /// <summary>y = x ⊙ mask (forward) or dx = dy ⊙ mask (backward): the same product both ways.</summary>
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y) => TensorPrimitives.Multiply(x, mask, y);
    }
}
