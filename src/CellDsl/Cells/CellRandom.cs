using System;

namespace CellDsl
{
    /// <summary>
    /// SplitMix64: a small, fast generator whose sequence for a seed is fixed forever, so a cell built with the same
    /// seed has the same weights on every machine and runtime version (System.Random promises no such thing).
    /// </summary>
    public sealed class CellRandom
    {
        private ulong _state;

        public CellRandom(long seed) => _state = unchecked((ulong)seed);

        /// <summary>The whole generator state: a checkpoint saves it, and setting it back resumes the same sequence.</summary>
        public ulong State { get => _state; set => _state = value; }

        public ulong NextUInt64()
        {
            ulong z = unchecked(_state += 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        public void FillUniform(Span<float> destination, float low, float high)
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = (float)(low + (high - low) * NextDouble());
        }
    }
}
