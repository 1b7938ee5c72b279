using System;
using System.Collections.Generic;
using System.Numerics;

namespace CellDsl.Training.Layers
{
    /// <summary>One member of a <see cref="ParameterSet"/>: a layer and the name checkpoints and messages use for it.</summary>
    public sealed record ParameterGroup(string Name, IParameterized Owner, long Offset)
    {
        public int Length => Owner.Parameters.Length;
    }

    /// <summary>
    /// Every layer's parameters seen as one vector, in a fixed order (embedding, cells, decoder), so the optimizer,
    /// the global-norm clip and checkpoints treat them alike. Each layer keeps its own arrays; nothing is copied.
    /// </summary>
    public sealed class ParameterSet
    {
        private readonly ParameterGroup[] _groups;

        public ParameterSet(IEnumerable<(string Name, IParameterized Owner)> members)
        {
            ArgumentNullException.ThrowIfNull(members);
            var groups = new List<ParameterGroup>();
            long offset = 0;
            foreach (var (name, owner) in members)
            {
                ArgumentNullException.ThrowIfNull(owner, name);
                groups.Add(new ParameterGroup(name, owner, offset));
                offset += owner.Parameters.Length;
            }
            _groups = groups.ToArray();
            Count = offset;
        }

        public IReadOnlyList<ParameterGroup> Groups => _groups;

        /// <summary>Trainable floats over all groups.</summary>
        public long Count { get; }

        public void ZeroGradients()
        {
            foreach (var g in _groups) g.Owner.ZeroGradients();
        }

        /// <summary>‖g‖₂ over every gradient, accumulated in float64 in group order (deterministic, and a large
        /// gradient shows as large rather than as a float overflow).</summary>
        public double GradientNorm()
        {
            double sum = 0;
            foreach (var g in _groups) sum += SumOfSquares(g.Owner.Gradients);
            return Math.Sqrt(sum);
        }

        /// <summary>Multiplies every gradient by <paramref name="factor"/>.</summary>
        public void ScaleGradients(float factor)
        {
            foreach (var g in _groups)
            {
                var span = g.Owner.Gradients;
                System.Numerics.Tensors.TensorPrimitives.Multiply(span, factor, span);
            }
        }

        /// <summary>Copies every parameter, in group order, into <paramref name="destination"/> of <see cref="Count"/> floats.</summary>
        public void CopyParametersTo(Span<float> destination)
        {
            CheckLength(destination.Length, nameof(destination));
            foreach (var g in _groups) g.Owner.Parameters.CopyTo(destination.Slice((int)g.Offset, g.Length));
        }

        /// <summary>Sets every parameter from <paramref name="source"/> (the layout <see cref="CopyParametersTo"/> writes).</summary>
        public void CopyParametersFrom(ReadOnlySpan<float> source)
        {
            CheckLength(source.Length, nameof(source));
            foreach (var g in _groups) source.Slice((int)g.Offset, g.Length).CopyTo(g.Owner.Parameters);
        }

        /// <summary>Copies every gradient, in group order, into <paramref name="destination"/>.</summary>
        public void CopyGradientsTo(Span<float> destination)
        {
            CheckLength(destination.Length, nameof(destination));
            foreach (var g in _groups) g.Owner.Gradients.CopyTo(destination.Slice((int)g.Offset, g.Length));
        }

        private void CheckLength(int length, string name)
        {
            if (length != Count) throw new ArgumentException($"The parameter set has {Count} floats, the span {length}.", name);
        }

        private static double SumOfSquares(ReadOnlySpan<float> x)
        {
            var acc = Vector<double>.Zero;
            int i = 0, n = Vector<float>.Count;
            for (; i + n <= x.Length; i += n)
            {
                Vector.Widen(new Vector<float>(x.Slice(i, n)), out var lo, out var hi);
                acc += lo * lo + hi * hi;
            }
            double sum = Vector.Sum(acc);
            for (; i < x.Length; i++) sum += (double)x[i] * x[i];
            return sum;
        }
    }
}
