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
            foreach (var g in _parameters.Groups)
            {
                var p = g.Owner.Parameters;
                TensorPrimitives.MultiplyAdd(g.Owner.Gradients, -learningRate, p, p);
            }
            Steps++;
        }
    }
}
