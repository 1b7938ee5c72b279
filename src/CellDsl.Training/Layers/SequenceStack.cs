using System;
using System.Collections.Generic;

namespace CellDsl.Training.Layers
{
    /// <summary>
    /// Sequence layers (<see cref="RecurrentLayer"/>, <see cref="BidirectionalLayer"/>, mixed freely) one above the
    /// other over the same right-padded batch: layer l+1 reads layer l's outputs, every layer sees the same lengths,
    /// and the stack's Output and Final are the top layer's.
    /// </summary>
    public sealed class SequenceStack : ISequenceLayer
    {
        private readonly ISequenceLayer[] _layers;
        private readonly IRecurrentCell[] _cells;
        private readonly float[][] _dBelow;   // per layer above the first, dL/d its input

        public SequenceStack(IReadOnlyList<ISequenceLayer> layers)
        {
            ArgumentNullException.ThrowIfNull(layers);
            if (layers.Count == 0) throw new ArgumentException("A sequence stack needs at least one layer.", nameof(layers));
            for (int l = 1; l < layers.Count; l++)
            {
                if (layers[l].InputSize != layers[l - 1].OutputSize)
                    throw new ArgumentException($"Layer {l} reads {layers[l].InputSize} inputs, but layer {l - 1} gives {layers[l - 1].OutputSize}.", nameof(layers));
                if (layers[l].Steps != layers[0].Steps || layers[l].Batch != layers[0].Batch)
                    throw new ArgumentException($"Layer {l} is made for [T={layers[l].Steps}, B={layers[l].Batch}], layer 0 for [T={layers[0].Steps}, B={layers[0].Batch}].", nameof(layers));
            }
            _layers = new ISequenceLayer[layers.Count];
            var cells = new List<IRecurrentCell>();
            _dBelow = new float[layers.Count][];
            for (int l = 0; l < layers.Count; l++)
            {
                _layers[l] = layers[l];
                cells.AddRange(layers[l].Cells);
                _dBelow[l] = new float[l > 0 ? layers[l].Steps * layers[l].Batch * layers[l].InputSize : 0];
            }
            _cells = cells.ToArray();
        }

        public IReadOnlyList<ISequenceLayer> Layers => _layers;
        public int Steps => _layers[0].Steps;
        public int Batch => _layers[0].Batch;
        public int InputSize => _layers[0].InputSize;
        public int OutputSize => _layers[^1].OutputSize;
        public IReadOnlyList<IRecurrentCell> Cells => _cells;
        public ReadOnlySpan<int> Lengths => _layers[0].Lengths;
        public float[] Output => _layers[^1].Output;
        public float[] Final => _layers[^1].Final;

        public void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> lengths = default)
        {
            _layers[0].Forward(x, lengths);
            for (int l = 1; l < _layers.Length; l++) _layers[l].Forward(_layers[l - 1].Output, _layers[0].Lengths);
        }

        public void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dFinal, Span<float> dx)
        {
            for (int l = _layers.Length - 1; l > 0; l--)
            {
                _layers[l].Backward(dOutput, dFinal, _dBelow[l]);
                dOutput = _dBelow[l];
                dFinal = default;
            }
            _layers[0].Backward(dOutput, dFinal, dx);
        }
    }
}
