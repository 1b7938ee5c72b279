using System;
using System.Collections.Generic;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Optimizers
{
    /// <summary>
    /// Adam (Kingma &amp; Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·m̂/(√v̂ + ε) with the bias
    /// corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). m and v are one buffer each over the whole parameter set.
    /// </summary>
    public sealed class Adam : IOptimizer
    {
        private readonly ParameterSet _parameters;
        private readonly float[] _m, _v;
        private readonly float[][] _state;

        public Adam(ParameterSet parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        {
            _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
            if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
            if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
            if (!(epsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
            if (parameters.Count > Array.MaxLength) throw new ArgumentException($"Adam keeps one buffer over all {parameters.Count} parameters, more than an array holds.");
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            _m = new float[parameters.Count];
            _v = new float[parameters.Count];
            _state = new[] { _m, _v };
        }

        public float Beta1 { get; }
        public float Beta2 { get; }
        public float Epsilon { get; }
        public string Name => "adam";
        public long Steps { get; set; }
        public IReadOnlyList<float[]> State => _state;

        public void Step(float learningRate) => Update(learningRate, 1f, clear: false);

        /// <summary>Step on g·s, zeroing g as it is read: g·1 is g exactly, so s = 1 is the unclipped step.</summary>
        public void StepAndClear(float learningRate, float gradientScale) => Update(learningRate, gradientScale, clear: true);

        private void Update(float learningRate, float gradientScale, bool clear)
        {
            Steps++;
            // The bias corrections in float64, folded into one step size and one ε per update.
            double c1 = 1 - Math.Pow(Beta1, Steps), c2 = 1 - Math.Pow(Beta2, Steps);
            float step = (float)(learningRate * Math.Sqrt(c2) / c1), eps = (float)(Epsilon * Math.Sqrt(c2));
            float b1 = Beta1, b2 = Beta2;
            var groups = _parameters.Groups;
            for (int k = 0; k < groups.Count; k++)   // by index: a foreach over the interface would allocate
            {
                var group = groups[k];
                var p = group.Owner.Parameters;
                var g = group.Owner.Gradients;
                var m = _m.AsSpan((int)group.Offset, p.Length);
                var v = _v.AsSpan((int)group.Offset, p.Length);
                for (int i = 0; i < p.Length; i++)
                {
                    float gi = g[i] * gradientScale;
                    if (clear) g[i] = 0f;
                    float mi = m[i] = b1 * m[i] + (1 - b1) * gi;
                    float vi = v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    p[i] -= step * mi / (MathF.Sqrt(vi) + eps);
                }
            }
        }
    }
}
