using CellDsl.Training.Layers;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>
/// Variable-length batches through unidirectional and bidirectional stacks: a padded batch against each row run
/// alone, and the heads (classification on the last state or the mean, per-step tagging, regression) against central
/// finite differences in float64 of <see cref="ReferenceSequenceStack"/>.
/// </summary>
public class SequenceLayerTests
{
    private const int I = 3, H = 4;

    /// <summary>"lstm" is a unidirectional layer, "lstm|gru" a bidirectional one (forward | backward cell).</summary>
    internal static SequenceStack Build(string[] spec, int steps, int batch, int seed, IRecurrentCell[]? cells = null)
    {
        var layers = new List<ISequenceLayer>();
        int input = I, k = 0;
        foreach (var layer in spec)
        {
            var names = layer.Split('|');
            IRecurrentCell Cell(string name) => cells != null ? cells[k++] : CellZoo.Get(name).Create(input, H, seed + k++);
            layers.Add(names.Length == 1
                ? new RecurrentLayer(Cell(names[0]), steps, batch)
                : new BidirectionalLayer(Cell(names[0]), Cell(names[1]), steps, batch));
            input = layers[^1].OutputSize;
        }
        var stack = new SequenceStack(layers);
        if (cells == null)
            foreach (var c in stack.Cells) new CellRandom(seed + 100).FillUniform(c.Parameters, -0.6f, 0.6f);
        return stack;
    }

    internal static float[] Random(int n, int seed, float scale = 1f) { var a = new float[n]; new CellRandom(seed).FillUniform(a, -scale, scale); return a; }

    internal static double[] D(ReadOnlySpan<float> s) { var d = new double[s.Length]; for (int i = 0; i < d.Length; i++) d[i] = s[i]; return d; }

    private static float[] Gradients(SequenceStack s) => s.Cells.SelectMany(c => c.Gradients.ToArray()).ToArray();

    internal static void AssertClose(string what, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = 0, scale = 1e-3;
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(actual[i] - expected[i]);
            if (!(e <= err)) { err = e; worst = i; }
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        Assert.True(err / scale <= tolerance, $"{what}: element {worst} is {actual[worst]}, expected {expected[worst]} (relative error {err / scale:E2})");
    }

    public static TheoryData<string> Stacks => new() { "lstm", "gru|lstm", "lstm|lstm,tanh", "gru,cifg|mut1" };

    [Theory]
    [MemberData(nameof(Stacks))]
    public void A_padded_batch_gives_each_row_what_the_row_gives_alone(string layers)
    {
        var spec = layers.Split(',');
        int T = 5, B = 4;
        var lengths = new[] { 5, 2, 1, 4 };
        var stack = Build(spec, T, B, seed: 2);
        var x = Random(T * B * I, 3);
        var dOutput = Random(T * B * stack.OutputSize, 4);
        var dFinal = Random(B * stack.OutputSize, 5);
        for (int t = 0; t < T; t++)
            for (int b = 0; b < B; b++)
                if (t >= lengths[b])
                {
                    x.AsSpan((t * B + b) * I, I).Fill(float.NaN);                           // padding is not read
                    dOutput.AsSpan((t * B + b) * stack.OutputSize, stack.OutputSize).Fill(1e6f); // nor its gradient
                }
        int O = stack.OutputSize;
        var dx = Random(T * B * I, 6);   // every element must be written
        foreach (var c in stack.Cells) c.ZeroGradients();
        stack.Forward(x, lengths);
        stack.Backward(dOutput, dFinal, dx);
        var batched = Gradients(stack);

        foreach (var c in stack.Cells) c.ZeroGradients();
        for (int b = 0; b < B; b++)
        {
            int n = lengths[b];
            var alone = Build(spec, n, 1, seed: 2, cells: stack.Cells.ToArray());
            float[] Row(float[] a, int width) { var r = new float[n * width]; for (int t = 0; t < n; t++) a.AsSpan((t * B + b) * width, width).CopyTo(r.AsSpan(t * width)); return r; }
            var rowDx = new float[n * I];
            alone.Forward(Row(x, I));
            alone.Backward(Row(dOutput, O), dFinal.AsSpan(b * O, O), rowDx);
            for (int t = 0; t < T; t++)
            {
                var output = stack.Output.AsSpan((t * B + b) * O, O);
                var grad = dx.AsSpan((t * B + b) * I, I);
                if (t < n)
                {
                    AssertClose($"row {b} output at {t}", output, D(alone.Output.AsSpan(t * O, O)), 1e-6);
                    AssertClose($"row {b} dx at {t}", grad, D(rowDx.AsSpan(t * I, I)), 1e-5);
                }
                else
                {
                    Assert.All(output.ToArray(), v => Assert.Equal(0f, v));
                    Assert.All(grad.ToArray(), v => Assert.Equal(0f, v));
                }
            }
            AssertClose($"row {b} final", stack.Final.AsSpan(b * O, O), D(alone.Final), 1e-6);
        }
        AssertClose("cell gradients", batched, D(Gradients(stack)), 1e-5);
    }

    public static TheoryData<string, string> Heads => new()
    {
        { "lstm|lstm,lstm", "classify-last" },
        { "gru|lstm-b", "classify-mean" },
        { "tanh|tanh,gru|gru", "tag" },
        { "lstm", "regress-mean" },
        { "gru,lstm|cifg", "regress-step" },
        { "gru,mut1|gru", "regress-last" },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Head_and_stack_gradients_match_finite_differences_of_the_float64_reference(string layers, string head)
    {
        int T = 4, B = 3, V = 5, R = 2;
        var lengths = new[] { 4, 1, 3 };
        var spec = layers.Split(',');
        var stack = Build(spec, T, B, seed: 7);
        int O = stack.OutputSize;
        bool perStep = head is "tag" or "regress-step";
        int rows = perStep ? T * B : B;
        var x = Random(T * B * I, 8);
        var pooling = perStep ? null : new SequencePooling(head.EndsWith("mean") ? Pooling.Mean : Pooling.Last, T, B, O);
        var weights = new float[rows];
        if (perStep) SequenceLengths.StepWeights(lengths, T, weights); else weights.AsSpan().Fill(1f);
        var classes = new int[rows];
        for (int n = 0; n < rows; n++) classes[n] = (n * 3 + 1) % V;
        var values = Random(rows * R, 9);
        IParameterized top = head.StartsWith("regress") ? new RegressionHead(O, R) : new SoftmaxDecoder(O, V);
        new CellRandom(10).FillUniform(top.Parameters, -0.5f, 0.5f);
        float scale = 1f / rows;

        foreach (var c in stack.Cells) c.ZeroGradients();
        top.ZeroGradients();
        stack.Forward(x, lengths);
        float[] h = stack.Output;
        if (pooling != null) { pooling.Forward(stack); h = pooling.Pooled; }
        var dh = new float[rows * O];
        var dx = new float[T * B * I];
        double loss;
        if (top is SoftmaxDecoder dec)
        {
            var probabilities = new float[rows * V];
            loss = scale * dec.Forward(h, rows, probabilities, classes, weights, new float[rows], default);
            dec.Backward(h, rows, probabilities, classes, weights, scale, dh);
        }
        else
        {
            var reg = (RegressionHead)top;
            var predictions = new float[rows * R];
            loss = scale * reg.Forward(h, rows, predictions, values, weights);
            reg.Backward(h, rows, predictions, values, weights, scale, dh);
        }
        if (pooling == null) stack.Backward(dh, default, dx);
        else
        {
            pooling.Backward(stack, dh);
            stack.Backward(pooling.DOutput, pooling.DFinal, dx);
        }

        var reference = new ReferenceSequenceStack(stack);
        var theta = D(stack.Cells.SelectMany(c => c.Parameters.ToArray()).Concat(top.Parameters.ToArray()).ToArray());
        var xd = D(x);
        double Loss()
        {
            var (output, final) = reference.Run(theta, xd, T, B, I, lengths);
            var hd = perStep ? output : new double[B * O];
            if (pooling?.Kind == Pooling.Last) hd = final;
            else if (pooling?.Kind == Pooling.Mean)
                for (int b = 0; b < B; b++)
                    for (int t = 0; t < lengths[b]; t++)
                        for (int j = 0; j < O; j++) hd[b * O + j] += output[(t * B + b) * O + j] / lengths[b];
            int at = reference.ParameterCount, width = top is SoftmaxDecoder ? V : R;
            double l = 0;
            var z = new double[width];
            for (int n = 0; n < rows; n++)
            {
                for (int v = 0; v < width; v++)
                {
                    double s = theta[at + width * O + v];
                    for (int j = 0; j < O; j++) s += hd[n * O + j] * theta[at + v * O + j];
                    z[v] = s;
                }
                if (top is SoftmaxDecoder)
                {
                    double max = z.Max(), sum = z.Sum(zv => Math.Exp(zv - max));
                    l += weights[n] * (Math.Log(sum) + max - z[classes[n]]);
                }
                else
                    for (int v = 0; v < R; v++) l += weights[n] * (z[v] - values[n * R + v]) * (z[v] - values[n * R + v]);
            }
            return scale * l;
        }
        Assert.True(Math.Abs(loss - Loss()) <= 1e-5 * Math.Abs(Loss()), $"loss {loss} vs the reference's {Loss()}");
        var expected = GradientCheckTests.CentralDifferences(theta, Loss);
        var actual = Gradients(stack).Concat(top.Gradients.ToArray()).ToArray();
        AssertClose("cells' gradients", actual.AsSpan(0, reference.ParameterCount), expected.AsSpan(0, reference.ParameterCount), 1e-3);
        AssertClose("head's gradients", actual.AsSpan(reference.ParameterCount), expected.AsSpan(reference.ParameterCount), 1e-3);
        AssertClose("dx", dx, GradientCheckTests.CentralDifferences(xd, Loss), 1e-3);
    }

    [Fact]
    public void A_padded_bidirectional_pass_with_pooling_and_a_classifier_allocates_nothing()
    {
        int T = 6, B = 4, V = 5;
        var stack = Build(new[] { "lstm|gru", "lstm" }, T, B, seed: 3);
        var pooling = new SequencePooling(Pooling.Mean, T, B, stack.OutputSize);
        var decoder = new SoftmaxDecoder(stack.OutputSize, V);
        var x = Random(T * B * I, 4);
        var lengths = new[] { 6, 3, 1, 5 };
        var classes = new[] { 0, 4, 2, 1 };
        var weights = new[] { 1f, 1f, 1f, 1f };
        var probabilities = new float[B * V];
        var nll = new float[B];
        var dh = new float[B * stack.OutputSize];
        var dx = new float[T * B * I];
        void Step()
        {
            stack.Forward(x, lengths);
            pooling.Forward(stack);
            decoder.Forward(pooling.Pooled, B, probabilities, classes, weights, nll, default);
            decoder.Backward(pooling.Pooled, B, probabilities, classes, weights, 1f / B, dh);
            pooling.Backward(stack, dh);
            stack.Backward(pooling.DOutput, pooling.DFinal, dx);
        }
        for (int i = 0; i < 3; i++) Step();   // JIT, tiering, the GEMM's per-thread buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_length_outside_the_steps_is_an_error_naming_the_row()
    {
        var stack = Build(new[] { "lstm" }, 3, 2, seed: 1);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => stack.Forward(new float[3 * 2 * I], new[] { 3, 4 }));
        Assert.Contains("Row 1", ex.Message);
        Assert.Throws<ArgumentException>(() => stack.Forward(new float[3 * 2 * I], new[] { 3 }));
    }

    [Fact]
    public void Directions_of_different_sizes_are_refused_with_both_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => new BidirectionalLayer(CellZoo.Get("lstm").Create(I, H, 1), CellZoo.Get("gru").Create(I, H + 1, 1), 3, 2));
        Assert.Contains("Gru", ex.Message, StringComparison.OrdinalIgnoreCase);
    }
}
