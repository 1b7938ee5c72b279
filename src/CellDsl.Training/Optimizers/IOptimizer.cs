using System.Collections.Generic;

namespace CellDsl.Training.Optimizers
{
    /// <summary>An update rule over one <see cref="Layers.ParameterSet"/>, fixed at construction.</summary>
    public interface IOptimizer
    {
        /// <summary>"sgd", "adam": what a checkpoint records.</summary>
        string Name { get; }

        /// <summary>Updates every parameter from its gradient.</summary>
        void Step(float learningRate);

        /// <summary>Updates every parameter from its gradient times <paramref name="gradientScale"/> (the clip's factor,
        /// 1 when not clipping) and leaves every gradient zero for the next step to accumulate into: the parameters
        /// of scaling the gradients, <see cref="Step"/> and clearing them, bit for bit, in fewer passes over memory.</summary>
        void StepAndClear(float learningRate, float gradientScale);

        /// <summary>Updates taken so far.</summary>
        long Steps { get; set; }

        /// <summary>The optimizer's per-parameter buffers (none for SGD; Adam's m and v), which a checkpoint saves and restores in place.</summary>
        IReadOnlyList<float[]> State { get; }
    }
}
