using System;
using System.Numerics.Tensors;

namespace CellDsl.Training.Layers
{
    /// <summary>How a sequence-to-one head summarises a row: its layer's <see cref="ISequenceLayer.Final"/>, or
    /// the mean of its outputs over the valid steps.</summary>
    public enum Pooling
    {
        Last,
        Mean,
    }

    /// <summary>
    /// The sequence-to-one summary [B, O] of a sequence layer's last Forward, for a classifier
    /// (<see cref="SoftmaxDecoder"/> over B rows) or a regression head. Backward turns dL/d pooled into the
    /// gradients the layer's Backward takes (<see cref="DOutput"/> for mean, <see cref="DFinal"/> for last).
    /// </summary>
    public sealed class SequencePooling
    {
        private readonly float[] _dOutput, _dFinal;

        public SequencePooling(Pooling kind, int steps, int batch, int width)
        {
            if (steps <= 0 || batch <= 0 || width <= 0)
                throw new ArgumentOutOfRangeException(nameof(steps), $"Pooling needs positive steps, batch and width; got T={steps}, B={batch}, O={width}.");
            Kind = kind;
            Steps = steps;
            Batch = batch;
            Width = width;
            Pooled = new float[batch * width];
            _dOutput = new float[kind == Pooling.Mean ? steps * batch * width : 0];
            _dFinal = new float[kind == Pooling.Last ? batch * width : 0];
        }

        public Pooling Kind { get; }
        public int Steps { get; }
        public int Batch { get; }
        public int Width { get; }

        /// <summary>The last Forward's summary [B, O]; owned by the pooling, read only.</summary>
        public float[] Pooled { get; }

        /// <summary>dL/d the layer's Output [T, B, O] from the last Backward (mean pooling; empty for last).</summary>
        public ReadOnlySpan<float> DOutput => _dOutput;

        /// <summary>dL/d the layer's Final [B, O] from the last Backward (last pooling; empty for mean).</summary>
        public ReadOnlySpan<float> DFinal => _dFinal;

        public void Forward(ISequenceLayer layer)
        {
            Check(layer);
            int B = Batch, O = Width;
            if (Kind == Pooling.Last) { layer.Final.CopyTo(Pooled, 0); return; }
            Array.Clear(Pooled);
            var lengths = layer.Lengths;
            for (int b = 0; b < B; b++)
            {
                var row = Pooled.AsSpan(b * O, O);
                for (int t = 0; t < lengths[b]; t++) TensorPrimitives.Add(row, layer.Output.AsSpan((t * B + b) * O, O), row);
                TensorPrimitives.Multiply(row, 1f / lengths[b], row);
            }
        }

        /// <summary>From dL/d<see cref="Pooled"/> [B, O]: mean spreads each row's gradient over its valid steps
        /// (zero at padding), last passes it on as dL/d Final.</summary>
        public void Backward(ISequenceLayer layer, ReadOnlySpan<float> dPooled)
        {
            Check(layer);
            if (dPooled.Length != Pooled.Length)
                throw new ArgumentException($"dPooled must be [B={Batch}, O={Width}] floats, got {dPooled.Length}.", nameof(dPooled));
            int T = Steps, B = Batch, O = Width;
            if (Kind == Pooling.Last) { dPooled.CopyTo(_dFinal); return; }
            var lengths = layer.Lengths;
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                {
                    var d = _dOutput.AsSpan((t * B + b) * O, O);
                    if (t < lengths[b]) TensorPrimitives.Multiply(dPooled.Slice(b * O, O), 1f / lengths[b], d);
                    else d.Clear();
                }
        }

        private void Check(ISequenceLayer layer)
        {
            ArgumentNullException.ThrowIfNull(layer);
            if (layer.Steps != Steps || layer.Batch != Batch || layer.OutputSize != Width)
                throw new ArgumentException($"The pooling is made for [T={Steps}, B={Batch}, O={Width}], the layer gives [T={layer.Steps}, B={layer.Batch}, O={layer.OutputSize}].", nameof(layer));
        }
    }
}
