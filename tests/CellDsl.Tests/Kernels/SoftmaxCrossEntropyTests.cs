using CellDsl.Kernels;
using System.Numerics.Tensors;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>The fused softmax + cross-entropy and the dropout mask against their float64 references.</summary>
public class SoftmaxCrossEntropyTests
{
    private static float[] Random(int n, int seed, float scale = 3f)
    {
        var a = new float[n];
        new CellRandom(seed).FillUniform(a, -scale, scale);
        return a;
    }

    private static int[] Targets(int rows, int classes, int seed)
    {
        var rng = new CellRandom(seed);
        var t = new int[rows];
        for (int r = 0; r < rows; r++) t[r] = (int)(rng.NextUInt64() % (ulong)classes);
        return t;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(20, 33)]
    [InlineData(17, 1000)]
    public void Forward_nll_and_argmax_match_the_float64_reference(int rows, int classes)
    {
        var logits = Random(rows * classes, 1);
        var targets = Targets(rows, classes, 2);
        var nllRef = new double[rows];
        var correctRef = new bool[rows];
        ReferenceSoftmaxCrossEntropy.Forward(logits, rows, classes, targets, nllRef, correctRef);
        var work = (float[])logits.Clone();
        var nll = new float[rows];
        var correct = new bool[rows];
        SoftmaxCrossEntropy.Forward(work, rows, classes, targets, nll, correct);
        for (int r = 0; r < rows; r++)
        {
            Assert.True(Math.Abs(nll[r] - nllRef[r]) <= 1e-5 * (1 + nllRef[r]), $"row {r}: nll {nll[r]} vs {nllRef[r]}");
            Assert.Equal(correctRef[r], correct[r]);
            double sum = 0;
            for (int j = 0; j < classes; j++) sum += work[r * classes + j];
            Assert.True(Math.Abs(sum - 1) < 1e-5, $"row {r}: the probabilities sum to {sum}");
        }
    }

    [Theory]
    [InlineData(3, 7)]
    [InlineData(64, 1000)]   // enough rows to split between the threads
    public void A_bias_added_in_the_row_pass_gives_the_bits_of_adding_it_first(int rows, int classes)
    {
        var logits = Random(rows * classes, 3);
        var bias = Random(classes, 4, 1f);
        var targets = Targets(rows, classes, 5);
        var first = (float[])logits.Clone();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < classes; j++) first[r * classes + j] += bias[j];
        var nllFirst = new float[rows];
        var correctFirst = new bool[rows];
        SoftmaxCrossEntropy.Forward(first, rows, classes, targets, nllFirst, correctFirst);
        var fused = (float[])logits.Clone();
        var nllFused = new float[rows];
        var correctFused = new bool[rows];
        SoftmaxCrossEntropy.Forward(fused, rows, classes, bias, targets, nllFused, correctFused);
        Assert.Equal(first, fused);
        Assert.Equal(nllFirst, nllFused);
        Assert.Equal(correctFirst, correctFused);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(fused, rows, classes, bias.AsSpan(1), targets, nllFused, default));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    public void The_maximum_and_its_first_index_are_those_of_TensorPrimitives_with_ties_signed_zeros_and_NaN_with_and_without_a_bias(int classes)
    {
        // Rows whose maximum is tied, +0 past a -0, -0 alone, or NaN, at places in the vector body and in the tail.
        var rows = new List<float[]>();
        foreach (int at in new[] { 1, classes / 2, classes - 1 })
        {
            var tie = Random(classes, at, 1f);
            tie[at] = tie[0] = 3f;
            rows.Add(tie);
            var zeros = Enumerable.Range(0, classes).Select(j => -1f - j).ToArray();
            zeros[0] = -0f;
            zeros[at] = 0f;
            rows.Add(zeros);
            var negativeZero = (float[])zeros.Clone();
            negativeZero[at] = -2f;
            rows.Add(negativeZero);
            var nan = Random(classes, at + 7, 1f);
            nan[at] = float.NaN;
            rows.Add(nan);
        }
        int n = rows.Count;
        var expected = rows.Select(r => TensorPrimitives.IndexOfMax(r)).ToArray();
        foreach (bool withBias in new[] { false, true })
            foreach (int shift in new[] { 0, 1 })   // the target on the first maximum, then past it
            {
                var targets = expected.Select(e => Math.Min(e + shift, classes - 1)).ToArray();
                // With a bias, the logits are -0 and the bias the row: -0 + x is x for every x, -0 included.
                var logits = withBias ? Enumerable.Repeat(-0f, n * classes).ToArray() : rows.SelectMany(r => r).ToArray();
                var correct = new bool[n];
                var nll = new float[n];
                for (int r = 0; r < n; r++)
                {
                    var one = logits.AsSpan(r * classes, classes);
                    if (withBias) SoftmaxCrossEntropy.Forward(one, 1, classes, rows[r], targets.AsSpan(r, 1), nll.AsSpan(r, 1), correct.AsSpan(r, 1));
                    else SoftmaxCrossEntropy.Forward(one, 1, classes, targets.AsSpan(r, 1), nll.AsSpan(r, 1), correct.AsSpan(r, 1));
                }
                for (int r = 0; r < n; r++)
                {
                    Assert.Equal(targets[r] == expected[r], correct[r]);
                    Assert.Equal(rows[r].Any(float.IsNaN), float.IsNaN(nll[r]));
                }
            }
    }

    [Fact]
    public void Argmax_correctness_counts_the_target_only_when_it_is_the_first_maximum()
    {
        var logits = new float[] { 1, 5, 5, 0, /**/ 2, 1, 0, 0, /**/ 3, 3, 3, 3 };
        var targets = new[] { 2, 0, 0 };
        var nll = new float[3];
        var correct = new bool[3];
        SoftmaxCrossEntropy.Forward(logits, 3, 4, targets, nll, correct);
        Assert.Equal(new[] { false, true, true }, correct);
    }

    [Fact]
    public void Forward_is_stable_for_logits_far_outside_exp_range()
    {
        var logits = new float[] { 1000f, -1000f, 999f, 0f };
        var nll = new float[1];
        var nllRef = new double[1];
        ReferenceSoftmaxCrossEntropy.Forward(logits, 1, 4, new[] { 2 }, nllRef, new bool[1]);
        SoftmaxCrossEntropy.Forward(logits, 1, 4, new[] { 2 }, nll, default);
        Assert.True(float.IsFinite(nll[0]));
        Assert.Equal(nllRef[0], nll[0], 5);
    }

    [Theory]
    [InlineData(4, 9)]
    [InlineData(20, 300)]
    public void Backward_in_place_matches_the_float64_reference_with_weights_and_scale(int rows, int classes)
    {
        var logits = Random(rows * classes, 3);
        var targets = Targets(rows, classes, 4);
        var weights = new float[rows];
        for (int r = 0; r < rows; r++) weights[r] = r % 3 == 1 ? 0f : 1f;
        var expected = ReferenceSoftmaxCrossEntropy.Backward(logits, rows, classes, targets, weights, 0.25);
        var work = (float[])logits.Clone();
        SoftmaxCrossEntropy.Forward(work, rows, classes, targets, new float[rows], default);
        SoftmaxCrossEntropy.Backward(work, rows, classes, targets, weights, 0.25f);
        for (int i = 0; i < work.Length; i++)
            Assert.True(Math.Abs(work[i] - expected[i]) <= 1e-6, $"element {i}: {work[i]} vs {expected[i]}");
    }

    [Fact]
    public void Reference_backward_is_the_finite_difference_of_the_reference_loss()
    {
        int rows = 3, classes = 5;
        var logits = Random(rows * classes, 5);
        var targets = Targets(rows, classes, 6);
        var weights = new float[] { 1f, 0.5f, 2f };
        var analytic = ReferenceSoftmaxCrossEntropy.Backward(logits, rows, classes, targets, weights, 0.5);
        double Loss(float[] z)
        {
            var nll = new double[rows];
            ReferenceSoftmaxCrossEntropy.Forward(z, rows, classes, targets, nll, new bool[rows]);
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
            Assert.True(Math.Abs(fd - analytic[i]) < 1e-4, $"element {i}: finite difference {fd} vs {analytic[i]}");
        }
    }

    [Fact]
    public void Rows_split_between_two_threads_give_the_same_bits_as_one_row_at_a_time()
    {
        int rows = 40, classes = 2000;   // large enough for the worker to take half the rows
        var logits = Random(rows * classes, 8);
        var targets = Targets(rows, classes, 9);
        var weights = Enumerable.Range(0, rows).Select(r => r % 4 == 0 ? 0f : 1f).ToArray();
        var whole = (float[])logits.Clone();
        var nll = new float[rows];
        SoftmaxCrossEntropy.Forward(whole, rows, classes, targets, nll, new bool[rows]);
        var wholeNll = (float[])nll.Clone();
        SoftmaxCrossEntropy.Backward(whole, rows, classes, targets, weights, 0.5f);
        for (int r = 0; r < rows; r++)
        {
            var row = logits.AsSpan(r * classes, classes);
            SoftmaxCrossEntropy.Forward(row, 1, classes, targets.AsSpan(r, 1), nll.AsSpan(r, 1), default);
            SoftmaxCrossEntropy.Backward(row, 1, classes, targets.AsSpan(r, 1), weights.AsSpan(r, 1), 0.5f);
        }
        Assert.Equal(wholeNll, nll);
        Assert.Equal(logits, whole);
    }

    [Theory]
    [InlineData(3, 7)]
    [InlineData(64, 1000)]   // enough rows to split between the threads
    [InlineData(40, 2000)]
    public void A_bias_gradient_summed_in_the_backward_row_pass_gives_the_bits_of_summing_the_finished_rows(int rows, int classes)
    {
        var logits = Random(rows * classes, 10);
        var targets = Targets(rows, classes, 11);
        var weights = Enumerable.Range(0, rows).Select(r => r % 5 == 2 ? 0f : 1f).ToArray();
        var start = Random(classes, 12, 1f);   // db accumulates onto what is there
        SoftmaxCrossEntropy.Forward(logits, rows, classes, targets, new float[rows], default);
        var unfused = (float[])logits.Clone();
        SoftmaxCrossEntropy.Backward(unfused, rows, classes, targets, weights, 0.05f);
        var dbUnfused = (float[])start.Clone();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < classes; j++) dbUnfused[j] += unfused[r * classes + j];
        var fused = (float[])logits.Clone();
        var db = (float[])start.Clone();
        SoftmaxCrossEntropy.Backward(fused, rows, classes, targets, weights, 0.05f, db);
        Assert.Equal(unfused, fused);
        Assert.Equal(dbUnfused, db);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Backward(fused, rows, classes, targets, weights, 0.05f, db.AsSpan(1)));
    }

    [Fact]
    public void A_target_outside_the_classes_is_an_error_naming_the_row()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SoftmaxCrossEntropy.Forward(new float[6], 2, 3, new[] { 0, 3 }, new float[2], default));
        Assert.Contains("row 1", ex.Message);
    }
}

public class DropoutMaskTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.65)]
    public void Mask_matches_the_float64_reference_for_the_same_seed(double p)
    {
        var mask = new float[4099];
        DropoutMask.Fill(mask, (float)p, new CellRandom(7));
        var expected = ReferenceDropoutMask.Mask(mask.Length, p, new CellRandom(7));
        int dropped = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            Assert.True(Math.Abs(mask[i] - expected[i]) <= 1e-6 * expected[i], $"element {i}: {mask[i]} vs {expected[i]}");
            if (mask[i] == 0) dropped++;
        }
        // 4099 Bernoulli(p) draws: the dropped fraction is within 5 standard deviations of p.
        double sd = Math.Sqrt(p * (1 - p) / mask.Length);
        Assert.InRange(dropped / (double)mask.Length, p - 5 * sd - 1e-9, p + 5 * sd + 1e-9);
    }

    [Theory]
    [InlineData(0.0f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.65f)]
    public void The_mask_drawn_many_lanes_at_a_time_is_the_one_drawn_element_by_element_and_leaves_the_same_generator(float p)
    {
        foreach (int length in new[] { 0, 1, 31, 32, 33, 100, 4099 })
        {
            var fast = new float[length];
            var random = new CellRandom(11);
            random.NextUInt64();   // a state that is not the seed's
            ulong start = random.State;
            DropoutMask.Fill(fast, p, random);
            var one = new CellRandom(0) { State = start };
            float keep = 1f / (1f - p);
            var expected = new float[length];
            for (int i = 0; i < length; i++) expected[i] = one.NextDouble() < p ? 0f : keep;
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), fast.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(one.State, random.State);
        }
    }

    [Theory]
    [InlineData(1.0f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void A_probability_outside_zero_to_one_is_an_error(float p)
        => Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMask.Fill(new float[3], p, new CellRandom(1)));
}
