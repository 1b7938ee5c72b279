using System;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Optimizers
{
    /// <summary>Global-norm clipping (Pascanu et al. 2013; TensorFlow's clip_by_global_norm): when ‖g‖₂ over every
    /// parameter exceeds the bound, every gradient is scaled by bound/‖g‖₂, so the direction is kept.</summary>
    public static class GradientClipping
    {
        /// <summary>Clips to <paramref name="maxNorm"/> (≤ 0 or +∞: no clipping) and returns the norm before clipping.</summary>
        public static double ClipGlobalNorm(ParameterSet parameters, double maxNorm)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            double norm = parameters.GradientNorm();
            float scale = Scale(norm, maxNorm);
            if (scale != 1f) parameters.ScaleGradients(scale);
            return norm;
        }

        /// <summary>The factor clipping to <paramref name="maxNorm"/> multiplies gradients of norm <paramref name="norm"/>
        /// by: bound/‖g‖₂ when the norm exceeds the bound, else 1 (also for ≤ 0 or +∞ bounds and a non-finite norm).</summary>
        public static float Scale(double norm, double maxNorm)
            => maxNorm > 0 && norm > maxNorm && double.IsFinite(norm) ? (float)(maxNorm / norm) : 1f;
    }
}
