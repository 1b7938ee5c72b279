using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Optimizers
{
    /// <summary>Plain SGD, θ ← θ − lr·g, as Zaremba et al. 2014 train (clip first with <see cref="GradientClipping"/>).</summary>
    public sealed class Sgd : IOptimizer
    {
        private readonly ParameterSet _parameters;

        public Sgd(ParameterSet parameters) => _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));

        public string Name => "sgd";
        public long Steps { get; set; }
        public IReadOnlyList<float[]> State => Array.Empty<float[]>();

        public void Step(float learningRate)
        {
            var groups = _parameters.Groups;
            for (int k = 0; k < groups.Count; k++)   // by index: a foreach over the interface would allocate
            {
                var g = groups[k];
                var p = g.Owner.Parameters;
                TensorPrimitives.MultiplyAdd(g.Owner.Gradients, -learningRate, p, p);
            }
            Steps++;
        }
    }
}
