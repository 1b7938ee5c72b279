using System;
using CellDsl.Training.Layers;
using CellDsl.Training.Optimizers;

namespace CellDsl.Training.Bptt
{
    /// <summary>
    /// The end of every trainer's step: ‖∇L‖₂ over the whole parameter set, a stop on a NaN or ±∞ before anything
    /// changes, then the clip's scaling, the optimizer step and the gradient clear in one pass. The next step's
    /// <see cref="ClearGradients"/> then has nothing to do.
    /// </summary>
    internal sealed class ClippedUpdate
    {
        private readonly ParameterSet _parameters;
        private readonly IOptimizer _optimizer;
        private readonly float _clipNorm;
        private bool _gradientsClear;   // the last update zeroed every gradient

        public ClippedUpdate(ParameterSet parameters, IOptimizer optimizer, float clipNorm)
        {
            _parameters = parameters;
            _optimizer = optimizer;
            _clipNorm = clipNorm;
        }

        /// <summary>Before a step's forward pass: zero gradients, unless the last update left them so.</summary>
        public void ClearGradients()
        {
            if (!_gradientsClear) _parameters.ZeroGradients();
            _gradientsClear = false;
        }

        /// <summary>Updates at <paramref name="rate"/> and returns the gradient norm before clipping; throws
        /// <see cref="TrainingDivergedException"/>, naming the step, when the norm is not finite.</summary>
        public double Apply(float rate, int epoch, int window, long step)
        {
            double norm = _parameters.GradientNorm();
            if (!double.IsFinite(norm)) throw new TrainingDivergedException(epoch, window, step, "gradient norm", norm);
            _optimizer.StepAndClear(rate, GradientClipping.Scale(norm, _clipNorm));
            _gradientsClear = true;
            return norm;
        }
    }
}
