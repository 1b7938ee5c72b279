using System;
using CellDsl.Kernels;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// Inverted dropout on one non-recurrent connection (Zaremba et al. 2014): while training, a fresh mask per
    /// batch zeroes each activation with probability p and scales the rest by 1/(1−p); at evaluation it is the
    /// identity. The mask is drawn from the caller's generator, so one seed fixes every mask of a run.
    /// </summary>
    public sealed class Dropout
    {
        private readonly float[] _mask;
        private bool _masked;

        /// <param name="probability">p in [0, 1): the chance that an activation is dropped.</param>
        /// <param name="length">Activations per batch (T·B·width).</param>
        public Dropout(float probability, int length)
        {
            if (!(probability >= 0f && probability < 1f))
                throw new ArgumentOutOfRangeException(nameof(probability), probability, "The dropout probability must be in [0, 1).");
            Probability = probability;
            _mask = new float[probability > 0f ? length : 0];
            Length = length;
        }

        public float Probability { get; }
        public int Length { get; }

        /// <summary>The mask of the last training forward pass (empty when p = 0).</summary>
        public ReadOnlySpan<float> Mask => _mask;

        /// <summary>y = x ⊙ mask with a new mask when <paramref name="random"/> is given (training), else y = x.
        /// x and y may be the same span.</summary>
        public void Forward(ReadOnlySpan<float> x, Span<float> y, CellRandom? random)
        {
            Check(x.Length, y.Length);
            _masked = random != null && Probability > 0f;
            if (_masked)
            {
                DropoutMask.Fill(_mask, Probability, random!);
                DropoutMask.Apply(x, _mask, y);
            }
            else if (!x.Overlaps(y)) x.CopyTo(y);
        }

        /// <summary>dx = dy ⊙ (the last forward's mask), or dx = dy after an unmasked forward. dy and dx may be the same span.</summary>
        public void Backward(ReadOnlySpan<float> dy, Span<float> dx)
        {
            Check(dy.Length, dx.Length);
            if (_masked) DropoutMask.Apply(dy, _mask, dx);
            else if (!dy.Overlaps(dx)) dy.CopyTo(dx);
        }

        private void Check(int a, int b)
        {
            if (a != Length || b != Length)
                throw new ArgumentException($"Dropout over {Length} activations got spans of {a} and {b}.");
        }
    }
}
