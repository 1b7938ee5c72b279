using System;

namespace CellDsl
{
    /// <summary>
    /// Anything with trainable floats: a cell, an embedding, a decoder. Optimizers, the global-norm clip and
    /// checkpoints see every layer through this, each as one contiguous parameter span and its gradient.
    /// </summary>
    public interface IParameterized
    {
        /// <summary>All trainable floats of this object.</summary>
        Span<float> Parameters { get; }

        /// <summary>Gradients with the layout of <see cref="Parameters"/>; backward passes add to them.</summary>
        Span<float> Gradients { get; }

        void ZeroGradients();
    }
}
