using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CellDsl.Kernels
{
    /// <summary>
    /// Sigmoid and tanh for the fused loops. Both rest on the runtime's vectorised exp. Sigmoid is 1/(1+e^-x).
    /// Tanh uses its Taylor series below |x| = 0.3 (terms to x¹³, truncation &lt; 1e-10 relative) and
    /// (1-e^-2|x|)/(1+e^-2|x|) above, where the cancellation costs at most about one ulp, so both stay within a few
    /// ulps of the correctly rounded result over the whole float range (tested against float64 in the test suite).
    /// </summary>
    public static class Activations
    {
        private const float TaylorLimit = 0.3f;
        // tanh(x) = x + c3 x³ + c5 x⁵ + ... (Bernoulli-number coefficients)
        private const float C3 = -1f / 3f, C5 = 2f / 15f, C7 = -17f / 315f, C9 = 62f / 2835f, C11 = -1382f / 155925f, C13 = 21844f / 6081075f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Tanh(float x)
        {
            float a = MathF.Abs(x);
            if (a < TaylorLimit)
            {
                float x2 = x * x;
                return x + x * x2 * (C3 + x2 * (C5 + x2 * (C7 + x2 * (C9 + x2 * (C11 + x2 * C13)))));
            }
            float e = MathF.Exp(-2f * a);
            return MathF.CopySign((1f - e) / (1f + e), x);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Sigmoid(Vector512<float> x)
            => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Sigmoid(Vector256<float> x)
            => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Tanh(Vector512<float> x)
        {
            var a = Vector512.Abs(x);
            var x2 = x * x;
            var series = x + x * x2 * (Vector512.Create(C3) + x2 * (Vector512.Create(C5) + x2 * (Vector512.Create(C7)
                + x2 * (Vector512.Create(C9) + x2 * (Vector512.Create(C11) + x2 * Vector512.Create(C13))))));
            var e = Vector512.Exp(a * Vector512.Create(-2f));
            var big = (Vector512<float>.One - e) / (Vector512<float>.One + e);
            big = Vector512.CopySign(big, x);
            return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TaylorLimit)), series, big);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Tanh(Vector256<float> x)
        {
            var a = Vector256.Abs(x);
            var x2 = x * x;
            var series = x + x * x2 * (Vector256.Create(C3) + x2 * (Vector256.Create(C5) + x2 * (Vector256.Create(C7)
                + x2 * (Vector256.Create(C9) + x2 * (Vector256.Create(C11) + x2 * Vector256.Create(C13))))));
            var e = Vector256.Exp(a * Vector256.Create(-2f));
            var big = (Vector256<float>.One - e) / (Vector256<float>.One + e);
            big = Vector256.CopySign(big, x);
            return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TaylorLimit)), series, big);
        }
    }
}
