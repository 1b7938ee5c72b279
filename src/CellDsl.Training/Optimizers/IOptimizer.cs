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

        /// <summary>Updates taken so far.</summary>
        long Steps { get; set; }

        /// <summary>The optimizer's per-parameter buffers (none for SGD; Adam's m and v), which a checkpoint saves and restores in place.</summary>
        IReadOnlyList<float[]> State { get; }
    }
}
