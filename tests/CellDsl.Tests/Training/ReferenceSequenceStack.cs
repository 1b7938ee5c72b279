using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Training.Layers;

namespace CellDsl.Tests.Training;

/// <summary>
/// A stack of sequence layers in float64, written from the definition rather than from the layers' code: each
/// row is cut to its own length and run alone (B = 1) by the reference interpreter, the backward direction over the
/// row reversed, so padding cannot enter by construction. Parameters are one vector, the cells' in stack order.
/// </summary>
public sealed class ReferenceSequenceStack
{
    private readonly (ReferenceInterpreter Cell, int Size)[][] _layers;   // per layer, per direction

    public ReferenceSequenceStack(SequenceStack stack)
    {
        _layers = stack.Layers.Select(l => l.Cells.Select(c => (new ReferenceInterpreter(GraphText.Read(c.Definition), c.InputSize, c.HiddenSize), c.Parameters.Length)).ToArray()).ToArray();
        ParameterCount = _layers.Sum(l => l.Sum(d => d.Size));
    }

    public int ParameterCount { get; }

    /// <summary>Outputs [T, B, O] (zero past each length) and Final [B, O] of the top layer.</summary>
    public (double[] Output, double[] Final) Run(double[] theta, double[] x, int T, int B, int inputSize, int[] lengths)
    {
        var output = new List<double[]>();   // per row, [len, width]
        var final = new List<double[]>();
        int width = 0;
        for (int b = 0; b < B; b++)
        {
            int n = lengths[b], offset = 0, I = inputSize;
            var seq = new double[n * I];
            for (int t = 0; t < n; t++) Array.Copy(x, (t * B + b) * I, seq, t * I, I);
            double[] last = Array.Empty<double>();
            foreach (var layer in _layers)
            {
                int H = layer[0].Cell.HiddenSize, O = H * layer.Length;
                var next = new double[n * O];
                last = new double[O];
                for (int d = 0; d < layer.Length; d++)
                {
                    var (cell, size) = layer[d];
                    var p = theta.AsSpan(offset, size).ToArray();
                    offset += size;
                    var input = d == 0 ? seq : Reverse(seq, n, I);
                    var h = cell.Forward(p, input, n, 1, Array.Empty<double>()).Outputs;
                    if (d == 1) h = Reverse(h, n, H);
                    for (int t = 0; t < n; t++) Array.Copy(h, t * H, next, t * O + d * H, H);
                    Array.Copy(h, (d == 0 ? n - 1 : 0) * H, last, d * H, H);
                }
                seq = next;
                I = O;
            }
            width = I;
            output.Add(seq);
            final.Add(last);
        }
        var o = new double[T * B * width];
        var f = new double[B * width];
        for (int b = 0; b < B; b++)
        {
            for (int t = 0; t < lengths[b]; t++) Array.Copy(output[b], t * width, o, (t * B + b) * width, width);
            Array.Copy(final[b], 0, f, b * width, width);
        }
        return (o, f);
    }

    private static double[] Reverse(double[] seq, int n, int width)
    {
        var r = new double[seq.Length];
        for (int t = 0; t < n; t++) Array.Copy(seq, t * width, r, (n - 1 - t) * width, width);
        return r;
    }
}
