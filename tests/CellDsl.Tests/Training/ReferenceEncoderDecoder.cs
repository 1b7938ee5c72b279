using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Training.Layers;
using CellDsl.Training.Seq2Seq;

namespace CellDsl.Tests.Training;

/// <summary>
/// An encoder-decoder in float64, written from the equations rather than from the model's code: each pair is cut
/// to its lengths and run alone by the reference interpreter (so padding cannot enter), the decoder from the
/// encoder's final states, then Luong's global attention and the softmax written out in loops. Parameters are one
/// vector in the model's <see cref="ParameterSet"/> order.
/// </summary>
public sealed class ReferenceEncoderDecoder
{
    private readonly EncoderDecoder _model;
    private readonly ReferenceInterpreter[] _encoder, _decoder;
    private readonly long[] _offset;   // per parameter group

    public ReferenceEncoderDecoder(EncoderDecoder model)
    {
        _model = model;
        static ReferenceInterpreter Interpreter(IRecurrentCell c) => new(GraphText.Read(c.Definition), c.InputSize, c.HiddenSize);
        _encoder = model.EncoderCells.Select(Interpreter).ToArray();
        _decoder = model.DecoderCells.Select(Interpreter).ToArray();
        _offset = model.Parameters.Groups.Select(g => g.Offset).ToArray();
    }

    public static double[] Theta(EncoderDecoder model)
    {
        var p = new float[model.Parameters.Count];
        model.Parameters.CopyParametersTo(p);
        return p.Select(v => (double)v).ToArray();
    }

    /// <summary>Σ over the target tokens of −log p, for one pair (target ends with the end token).</summary>
    public double Nll(double[] theta, int[] source, int[] target)
    {
        int L = _encoder.Length, E = _model.SourceEmbedding.Dimension, H = _model.HiddenSize, V = _model.TargetVocabulary;
        int n = source.Length, m = target.Length;
        double[] Slice(int group, long at, int length) => theta.AsSpan((int)(_offset[group] + at), length).ToArray();
        double[] Embed(int group, IEnumerable<int> tokens) => tokens.SelectMany(t => Slice(group, (long)t * E, E)).ToArray();

        var x = Embed(0, source);
        var finals = new double[L][];
        for (int l = 0; l < L; l++)
        {
            var trace = _encoder[l].Forward(Slice(1 + l, 0, _model.EncoderCells[l].Parameters.Length), x, n, 1, Array.Empty<double>());
            finals[l] = trace.FinalStates;
            x = trace.Outputs;
        }
        var memory = x;   // [n, H], the encoder's top outputs
        var y = Embed(1 + L, new[] { _model.StartToken }.Concat(target.Take(m - 1)));
        for (int l = 0; l < L; l++)
            y = _decoder[l].Forward(Slice(2 + L + l, 0, _model.DecoderCells[l].Parameters.Length), y, m, 1, finals[l]).Outputs;

        int next = 2 + 2 * L;
        if (_model.Attention is { } attention)
        {
            var wc = Slice(next, 0, 2 * H * H);
            var wa = attention.Score == AttentionScore.General ? Slice(next, 2 * H * H, H * H) : null;
            y = Attend(wc, wa, memory, n, y, m, H);
            next++;
        }
        var w = Slice(next, 0, V * H);
        var bias = Slice(next, V * H, V);
        double nll = 0;
        var z = new double[V];
        for (int t = 0; t < m; t++)
        {
            for (int v = 0; v < V; v++)
            {
                double s = bias[v];
                for (int j = 0; j < H; j++) s += w[v * H + j] * y[t * H + j];
                z[v] = s;
            }
            double max = z.Max();
            nll += Math.Log(z.Sum(zv => Math.Exp(zv - max))) + max - z[target[t]];
        }
        return nll;
    }

    /// <summary>h̃_t = tanh(W_c [c_t ; h_t]), c_t = Σ_s softmax_s(score(h_t, h̄_s))·h̄_s over the n source steps.</summary>
    public static double[] Attend(double[] wc, double[]? wa, double[] memory, int n, double[] h, int m, int H)
    {
        var result = new double[m * H];
        var score = new double[n];
        for (int t = 0; t < m; t++)
        {
            for (int s = 0; s < n; s++)
            {
                double sum = 0;
                for (int i = 0; i < H; i++)
                {
                    double k = 0;
                    if (wa == null) k = memory[s * H + i];
                    else for (int j = 0; j < H; j++) k += wa[i * H + j] * memory[s * H + j];
                    sum += h[t * H + i] * k;
                }
                score[s] = sum;
            }
            double max = score.Max(), total = score.Sum(v => Math.Exp(v - max));
            var c = new double[H];
            for (int s = 0; s < n; s++)
                for (int j = 0; j < H; j++) c[j] += Math.Exp(score[s] - max) / total * memory[s * H + j];
            for (int i = 0; i < H; i++)
            {
                double z = 0;
                for (int j = 0; j < H; j++) z += wc[i * 2 * H + j] * c[j] + wc[i * 2 * H + H + j] * h[t * H + j];
                result[t * H + i] = Math.Tanh(z);
            }
        }
        return result;
    }

    /// <summary>The model's loss over a padded batch: Σ_b nll_b / Σ_b m_b.</summary>
    public double Loss(double[] theta, int[] source, int[] sourceLengths, int[] target, int[] targetLengths)
    {
        int B = sourceLengths.Length;
        double sum = 0;
        for (int b = 0; b < B; b++)
        {
            var src = Enumerable.Range(0, sourceLengths[b]).Select(t => source[t * B + b]).ToArray();
            var tgt = Enumerable.Range(0, targetLengths[b]).Select(t => target[t * B + b]).ToArray();
            sum += Nll(theta, src, tgt);
        }
        return sum / targetLengths.Sum();
    }
}
