using CellDsl.Kernels;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>The fused sigmoid + binary cross-entropy against its float64 reference, and the reference against finite differences.</summary>
public class SigmoidCrossEntropyTests
{
    private static float[] Random(int n, int seed, float scale = 4f)
    {
        var a = new float[n];
        new CellRandom(seed).FillUniform(a, -scale, scale);
        return a;
    }

    private static float[] Labels(int n, int seed)
    {
        var rng = new CellRandom(seed);
        var y = new float[n];
        for (int i = 0; i < n; i++) y[i] = rng.NextDouble() < 0.3 ? 1f : 0f;
        return y;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 88)]
    [InlineData(4, 300)]   // more vectors per row than one fold of the log product
    [InlineData(17, 1000)]
    public void Forward_probabilities_and_nll_match_the_float64_reference(int rows, int classes)
    {
        var logits = Random(rows * classes, 1);
        var targets = Labels(rows * classes, 2);
        var p = new double[rows * classes];
        var nllRef = new double[rows];
        ReferenceSigmoidCrossEntropy.Forward(logits, rows, classes, targets, p, nllRef);
        var work = (float[])logits.Clone();
        var nll = new float[rows];
        SigmoidCrossEntropy.Forward(work, rows, classes, default, targets, nll);
        for (int i = 0; i < work.Length; i++) Assert.True(Math.Abs(work[i] - p[i]) <= 1e-6, $"p[{i}] = {work[i]}, the reference {p[i]}");
        for (int r = 0; r < rows; r++)
            Assert.True(Math.Abs(nll[r] - nllRef[r]) <= 2e-6 * Math.Max(1, nllRef[r]), $"row {r}: nll {nll[r]}, the reference {nllRef[r]}");
    }

    [Fact]
    public void Forward_is_stable_and_exact_for_logits_far_outside_exp_range()
    {
        // z = ±200 with the right label costs ~e^-200 (0 in float); with the wrong one it costs |z|.
        var logits = new[] { 200f, -200f, 200f, -200f, 0f, 90f, -90f, 0.5f };
        var targets = new[] { 1f, 0f, 0f, 1f, 1f, 1f, 1f, 0f };
        var p = new double[8];
        var expected = new double[1];
        ReferenceSigmoidCrossEntropy.Forward(logits, 1, 8, targets, p, expected);
        var nll = new float[1];
        SigmoidCrossEntropy.Forward(logits, 1, 8, default, targets, nll);
        Assert.True(float.IsFinite(nll[0]));
        Assert.True(Math.Abs(nll[0] - expected[0]) <= 1e-6 * expected[0], $"nll {nll[0]}, the reference {expected[0]}");
        for (int i = 0; i < 8; i++) Assert.True(Math.Abs(logits[i] - p[i]) <= 1e-7, $"p[{i}] = {logits[i]}, the reference {p[i]}");
    }

    [Theory]
    [InlineData(3, 88)]
    [InlineData(9, 13)]
    public void A_bias_added_in_the_row_pass_gives_the_bits_of_adding_it_first(int rows, int classes)
    {
        var logits = Random(rows * classes, 3);
        var bias = Random(classes, 4, 1f);
        var targets = Labels(rows * classes, 5);
        var first = (float[])logits.Clone();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < classes; j++) first[r * classes + j] += bias[j];
        var nllFirst = new float[rows];
        SigmoidCrossEntropy.Forward(first, rows, classes, default, targets, nllFirst);
        var fused = (float[])logits.Clone();
        var nllFused = new float[rows];
        SigmoidCrossEntropy.Forward(fused, rows, classes, bias, targets, nllFused);
        Assert.Equal(first, fused);
        Assert.Equal(nllFirst, nllFused);
        Assert.Throws<ArgumentException>(() => SigmoidCrossEntropy.Forward(fused, rows, classes, bias.AsSpan(1), targets, nllFused));
    }

    [Theory]
    [InlineData(4, 88)]
    [InlineData(6, 11)]
    public void Backward_in_place_matches_the_float64_reference_with_weights_and_scale(int rows, int classes)
    {
        var logits = Random(rows * classes, 6);
        var targets = Labels(rows * classes, 7);
        var weights = Enumerable.Range(0, rows).Select(r => r == 1 ? 0f : 1f + r).ToArray();
        var expected = ReferenceSigmoidCrossEntropy.Backward(logits, rows, classes, targets, weights, 0.25);
        var work = (float[])logits.Clone();
        SigmoidCrossEntropy.Forward(work, rows, classes, default, targets, new float[rows]);
        SigmoidCrossEntropy.Backward(work, rows, classes, targets, weights, 0.25f);
        for (int i = 0; i < work.Length; i++) Assert.True(Math.Abs(work[i] - expected[i]) <= 1e-6, $"d[{i}] = {work[i]}, the reference {expected[i]}");
    }

    [Fact]
    public void Reference_backward_is_the_finite_difference_of_the_reference_loss()
    {
        int rows = 3, classes = 5;
        var logits = Random(rows * classes, 8);
        var targets = Labels(rows * classes, 9);
        targets[4] = 0.3f;   // soft targets too
        var weights = new[] { 1f, 0.5f, 2f };
        var analytic = ReferenceSigmoidCrossEntropy.Backward(logits, rows, classes, targets, weights, 0.5);
        double Loss(float[] z)
        {
            var nll = new double[rows];
            ReferenceSigmoidCrossEntropy.Forward(z, rows, classes, targets, new double[rows * classes], nll);
            double l = 0;
            for (int r = 0; r < rows; r++) l += 0.5 * weights[r] * nll[r];
            return l;
        }
        const float eps = 1e-2f;
        for (int i = 0; i < logits.Length; i++)
        {
            var up = (float[])logits.Clone(); up[i] += eps;
            var down = (float[])logits.Clone(); down[i] -= eps;
            double fd = (Loss(up) - Loss(down)) / (2 * eps);
            Assert.True(Math.Abs(fd - analytic[i]) <= 1e-4, $"d[{i}]: analytic {analytic[i]}, finite difference {fd}");
        }
    }

    [Fact]
    public void Rows_split_between_two_threads_give_the_same_bits_as_one_row_at_a_time()
    {
        int rows = 40, classes = 2000;   // large enough for the worker to take half the rows
        var logits = Random(rows * classes, 10);
        var targets = Labels(rows * classes, 11);
        var weights = Enumerable.Range(0, rows).Select(r => r % 4 == 0 ? 0f : 1f).ToArray();
        var whole = (float[])logits.Clone();
        var nll = new float[rows];
        SigmoidCrossEntropy.Forward(whole, rows, classes, default, targets, nll);
        var wholeNll = (float[])nll.Clone();
        SigmoidCrossEntropy.Backward(whole, rows, classes, targets, weights, 0.5f);
        for (int r = 0; r < rows; r++)
        {
            var row = logits.AsSpan(r * classes, classes);
            var y = targets.AsSpan(r * classes, classes);
            SigmoidCrossEntropy.Forward(row, 1, classes, default, y, nll.AsSpan(r, 1));
            SigmoidCrossEntropy.Backward(row, 1, classes, y, weights.AsSpan(r, 1), 0.5f);
        }
        Assert.Equal(wholeNll, nll);
        Assert.Equal(logits, whole);
    }

    [Fact]
    public void Targets_shorter_than_the_logits_are_an_error_naming_the_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() => SigmoidCrossEntropy.Forward(new float[6], 2, 3, default, new float[5], new float[2]));
        Assert.Contains("[N=2, C=3]", ex.Message);
    }
}
