using CellDsl.Training.Layers;
using CellDsl.Training.Models;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>
/// Every layer's backward against central finite differences in float64 of a float64 reference: the embedding and
/// the decoder alone, then the whole model (embedding → dropout → 2 cells → dropout → decoder → loss) with carried
/// states, with and without dropout, with mixed cell types and with tied weights.
/// </summary>
public class GradientCheckTests
{
    private static double[] D(ReadOnlySpan<float> s) { var d = new double[s.Length]; for (int i = 0; i < d.Length; i++) d[i] = s[i]; return d; }

    /// <summary>d loss / d arr[i] for every i by central differences in float64; arr is restored.</summary>
    internal static double[] CentralDifferences(double[] arr, Func<double> loss, double eps = 1e-6)
    {
        var g = new double[arr.Length];
        for (int i = 0; i < arr.Length; i++)
        {
            double keep = arr[i];
            arr[i] = keep + eps; double up = loss();
            arr[i] = keep - eps; double down = loss();
            arr[i] = keep;
            g[i] = (up - down) / (2 * eps);
        }
        return g;
    }

    internal static void AssertClose(string what, ReadOnlySpan<float> actual, double[] expected, double tolerance = 1e-3)
    {
        double err = 0, scale = 1e-3;
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(actual[i] - expected[i]);
            if (e > err) { err = e; worst = i; }
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        Assert.True(err / scale <= tolerance, $"{what}: element {worst} is {actual[worst]}, the oracle {expected[worst]} (relative error {err / scale:E2})");
    }

    [Fact]
    public void Embedding_backward_scatter_adds_into_the_rows_it_read()
    {
        var emb = new Embedding(5, 3);
        new CellRandom(1).FillUniform(emb.Parameters, -1f, 1f);
        var tokens = new[] { 2, 0, 2, 4 };
        var r = new float[tokens.Length * 3];
        new CellRandom(2).FillUniform(r, -1f, 1f);
        var output = new float[r.Length];
        emb.Forward(tokens, output);
        for (int n = 0; n < tokens.Length; n++)
            for (int j = 0; j < 3; j++) Assert.Equal(emb.Parameters[tokens[n] * 3 + j], output[n * 3 + j]);
        emb.Backward(tokens, r);
        // L = Σ r ⊙ E[tokens]: dL/dE by central differences in float64.
        var theta = D(emb.Parameters);
        double Loss() { double l = 0; for (int n = 0; n < tokens.Length; n++) for (int j = 0; j < 3; j++) l += r[n * 3 + j] * theta[tokens[n] * 3 + j]; return l; }
        AssertClose("dE", emb.Gradients, CentralDifferences(theta, Loss), 1e-6);
    }

    [Fact]
    public void A_token_outside_the_embedding_is_an_error_naming_it()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(4, 2).Forward(new[] { 1, 9 }, new float[4]));
        Assert.Contains("9", ex.Message);
    }

    [Fact]
    public void Decoder_gradients_of_w_b_and_h_match_finite_differences()
    {
        int N = 6, H = 5, V = 7;
        var dec = new SoftmaxDecoder(H, V);
        new CellRandom(3).FillUniform(dec.Parameters, -0.5f, 0.5f);
        var h = new float[N * H];
        new CellRandom(4).FillUniform(h, -1f, 1f);
        var targets = new[] { 0, 6, 3, 3, 1, 5 };
        var weights = new[] { 1f, 1f, 0f, 1f, 1f, 1f };
        var logits = new float[N * V];
        var dh = new float[N * H];
        dec.Forward(h, N, logits, targets, weights, new float[N], new bool[N]);
        dec.Backward(h, N, logits, targets, weights, 0.5f, dh);

        double Loss(double[] p, double[] x)
        {
            double l = 0;
            var z = new double[V];
            for (int n = 0; n < N; n++)
            {
                for (int v = 0; v < V; v++) { double s = p[V * H + v]; for (int j = 0; j < H; j++) s += x[n * H + j] * p[v * H + j]; z[v] = s; }
                double max = z.Max(), sum = z.Sum(zv => Math.Exp(zv - max));
                l += 0.5 * weights[n] * (Math.Log(sum) + max - z[targets[n]]);
            }
            return l;
        }
        var theta = D(dec.Parameters);
        var x = D(h);
        AssertClose("dW, db", dec.Gradients, CentralDifferences(theta, () => Loss(theta, x)));
        AssertClose("dh", dh, CentralDifferences(x, () => Loss(theta, x)));
    }

    public static TheoryData<string, string, float, bool> Models => new()
    {
        { "lstm", "lstm", 0f, false },
        { "lstm", "lstm", 0.4f, false },
        { "gru", "lstm-b", 0.3f, false },
        { "lstm", "tanh", 0f, true },
        { "mut1", "cifg", 0.25f, true },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Whole_model_gradients_match_finite_differences_of_the_float64_reference(string cell0, string cell1, float dropout, bool tied)
    {
        int V = 7, H = 4, T = 3, B = 2;
        var model = new LanguageModel(new LanguageModelConfig
        {
            VocabularySize = V, HiddenSize = H, Cells = new[] { cell0, cell1 }, InitScale = 0.5f, Dropout = dropout, TieWeights = tied, Seed = 3,
        });
        var ws = model.CreateWorkspace(T, B);
        var rng = new CellRandom(9);
        void Window(int seed)
        {
            var r = new CellRandom(seed);
            for (int n = 0; n < T * B; n++)
            {
                ws.Inputs[n] = (int)(r.NextUInt64() % (ulong)V);
                ws.Targets[n] = (int)(r.NextUInt64() % (ulong)V);
                ws.Weights[n] = n == 3 ? 0f : 1f;
            }
        }
        // A first window leaves carried states, so the checked window starts from non-zero states.
        Window(1);
        model.Forward(ws, rng);
        var initial = Enumerable.Range(0, 2).Select(l => D(ws.Stack.CarriedState(l))).ToArray();

        Window(2);
        model.Parameters.ZeroGradients();
        double loss = model.Forward(ws, dropout > 0 ? rng : null) / B;
        model.Backward(ws, 1f / B);
        var grads = new float[model.Parameters.Count];
        model.Parameters.CopyGradientsTo(grads);

        var masks = dropout > 0 ? new ReferenceLanguageModel.Masks(D(ws.InputDropout.Mask), new[] { D(ws.Stack.Between(0).Mask) }, D(ws.OutputDropout.Mask)) : null;
        if (masks != null) Assert.Contains(0.0, masks.Input);
        var theta = new float[model.Parameters.Count];
        model.Parameters.CopyParametersTo(theta);
        var reference = new ReferenceLanguageModel(model);
        var result = reference.Run(D(theta), ws.Inputs, ws.Targets, ws.Weights, T, B, initial, masks, 1.0 / B);
        Assert.True(Math.Abs(loss - result.Loss) <= 1e-5 * Math.Abs(result.Loss), $"loss {loss} vs the reference's {result.Loss}");
        for (int l = 0; l < 2; l++) AssertClose($"layer {l}'s carried state", ws.Stack.CarriedState(l), result.FinalStates[l], 1e-5);

        var fd = reference.FiniteDifferences(D(theta), ws.Inputs, ws.Targets, ws.Weights, T, B, initial, masks, 1.0 / B);
        foreach (var g in model.Parameters.Groups)
            AssertClose(g.Name, grads.AsSpan((int)g.Offset, g.Length), fd.AsSpan((int)g.Offset, g.Length).ToArray());
    }
}
