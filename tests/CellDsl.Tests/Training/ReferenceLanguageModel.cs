using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Training.Models;

namespace CellDsl.Tests.Training;

/// <summary>
/// The language model in float64, written from the equations: embedding rows, dropout masks given as data, each
/// cell by the reference interpreter, the decoder as a plain loop, log-softmax. Parameters come as one vector in
/// the model's ParameterSet order, so central finite differences over it check every layer's backward at once.
/// </summary>
public sealed class ReferenceLanguageModel
{
    private readonly LanguageModel _model;
    private readonly ReferenceInterpreter[] _cells;

    public ReferenceLanguageModel(LanguageModel model)
    {
        _model = model;
        _cells = model.Cells.Select(c => new ReferenceInterpreter(GraphText.Read(c.Definition), c.InputSize, c.HiddenSize)).ToArray();
    }

    /// <summary>Dropout masks of one window (null: no dropout): after the embedding, between layers, before the decoder.</summary>
    public sealed record Masks(double[] Input, double[][] Between, double[] Output);

    public sealed record Result(double Loss, double[][] FinalStates);

    /// <summary>L = scale·Σ_n w[n]·nll[n] of one window, and every layer's final states.</summary>
    public Result Run(double[] theta, int[] inputs, int[] targets, float[] weights, int T, int B, double[][] initialStates, Masks? masks, double scale)
    {
        var groups = _model.Parameters.Groups;
        int V = _model.VocabularySize, E = _model.Embedding.Dimension, H = _model.Config.HiddenSize, N = T * B;
        double[] Slice(int g) => theta.AsSpan((int)groups[g].Offset, groups[g].Length).ToArray();
        var emb = Slice(0);
        var x = new double[N * E];
        for (int n = 0; n < N; n++)
            for (int j = 0; j < E; j++)
                x[n * E + j] = emb[inputs[n] * E + j] * (masks?.Input[n * E + j] ?? 1);
        var finals = new double[_cells.Length][];
        for (int l = 0; l < _cells.Length; l++)
        {
            var trace = _cells[l].Forward(Slice(1 + l), x, T, B, initialStates[l]);
            finals[l] = trace.FinalStates;
            x = trace.Outputs;
            var mask = l < _cells.Length - 1 ? masks?.Between[l] : masks?.Output;
            if (mask != null) for (int i = 0; i < x.Length; i++) x[i] *= mask[i];
        }
        var dec = Slice(groups.Count - 1);
        double[] W = _model.Decoder.Tied ? emb : dec;
        int biasAt = _model.Decoder.Tied ? 0 : V * H;
        double loss = 0;
        var z = new double[V];
        for (int n = 0; n < N; n++)
        {
            for (int v = 0; v < V; v++)
            {
                double s = dec[biasAt + v];
                for (int j = 0; j < H; j++) s += x[n * H + j] * W[v * H + j];
                z[v] = s;
            }
            double max = z.Max(), sum = 0;
            foreach (double zv in z) sum += Math.Exp(zv - max);
            loss += weights[n] * (Math.Log(sum) + max - z[targets[n]]);
        }
        return new Result(scale * loss, finals);
    }

    /// <summary>Central differences of <see cref="Run"/>'s loss with respect to every parameter.</summary>
    public double[] FiniteDifferences(double[] theta, int[] inputs, int[] targets, float[] weights, int T, int B, double[][] initialStates, Masks? masks, double scale)
        => GradientCheckTests.CentralDifferences(theta, () => Run(theta, inputs, targets, weights, T, B, initialStates, masks, scale).Loss);
}
