using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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

        /// <summary>θ ← θ + (g·s)·(−lr), then g ← 0, in one pass per group: each product rounded as Step and the clip's
        /// scaling round it (g·1 is g exactly, so s = 1 is the unclipped step).</summary>
        public void StepAndClear(float learningRate, float gradientScale)
        {
            var groups = _parameters.Groups;
            for (int k = 0; k < groups.Count; k++)
            {
                var owner = groups[k].Owner;
                Update(owner.Parameters, owner.Gradients, gradientScale, -learningRate);
            }
            Steps++;
        }

        private static void Update(Span<float> p, Span<float> g, float scale, float minusRate)
        {
            ref float pr = ref MemoryMarshal.GetReference(p);
            ref float gr = ref MemoryMarshal.GetReference(g);
            int i = 0, n = p.Length, lanes = Vector<float>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                var s = new Vector<float>(scale);
                var r = new Vector<float>(minusRate);
                for (; i + lanes <= n; i += lanes)
                {
                    var gs = Vector.LoadUnsafe(ref gr, (nuint)i) * s;
                    (Vector.LoadUnsafe(ref pr, (nuint)i) + gs * r).StoreUnsafe(ref pr, (nuint)i);
                    Vector<float>.Zero.StoreUnsafe(ref gr, (nuint)i);
                }
            }
            for (; i < n; i++)
            {
                float gs = g[i] * scale;
                p[i] += gs * minusRate;
                g[i] = 0f;
            }
        }
    }
}
