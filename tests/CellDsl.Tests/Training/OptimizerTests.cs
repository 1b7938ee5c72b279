using CellDsl.Training.Layers;
using CellDsl.Training.Optimizers;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>SGD, Adam, global-norm clipping and the learning-rate schedule against float64 definitions.</summary>
public class OptimizerTests
{
    private sealed class Tensor : IParameterized
    {
        public readonly float[] P, G;
        public Tensor(int n, int seed) { P = new float[n]; G = new float[n]; new CellRandom(seed).FillUniform(P, -1f, 1f); new CellRandom(seed + 100).FillUniform(G, -2f, 2f); }
        public Span<float> Parameters => P;
        public Span<float> Gradients => G;
        public void ZeroGradients() => Array.Clear(G);
    }

    private static (ParameterSet Set, Tensor A, Tensor B) TwoGroups()
    {
        var a = new Tensor(37, 1);
        var b = new Tensor(5, 2);
        return (new ParameterSet(new (string, IParameterized)[] { ("a", a), ("b", b) }), a, b);
    }

    [Fact]
    public void Global_norm_is_over_every_group_and_clipping_scales_it_to_the_bound()
    {
        var (set, a, b) = TwoGroups();
        double expected = Math.Sqrt(a.G.Concat(b.G).Sum(g => (double)g * g));
        Assert.Equal(expected, set.GradientNorm(), 10);
        var before = a.G.Concat(b.G).ToArray();
        double norm = GradientClipping.ClipGlobalNorm(set, 2.0);
        Assert.Equal(expected, norm, 10);
        Assert.Equal(2.0, set.GradientNorm(), 5);
        var after = a.G.Concat(b.G).ToArray();
        for (int i = 0; i < after.Length; i++) Assert.Equal(before[i] * 2.0 / expected, after[i], 5);
    }

    [Fact]
    public void Clipping_leaves_a_gradient_inside_the_bound_alone()
    {
        var (set, a, _) = TwoGroups();
        var before = a.G.ToArray();
        GradientClipping.ClipGlobalNorm(set, 1e6);
        Assert.Equal(before, a.G);
    }

    [Fact]
    public void Sgd_subtracts_rate_times_gradient()
    {
        var (set, a, b) = TwoGroups();
        var expected = a.P.Zip(a.G, (p, g) => p - 0.3 * g).Concat(b.P.Zip(b.G, (p, g) => p - 0.3 * g)).ToArray();
        new Sgd(set).Step(0.3f);
        var actual = a.P.Concat(b.P).ToArray();
        for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"parameter {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void Adam_matches_the_float64_algorithm_over_several_steps()
    {
        var (set, a, b) = TwoGroups();
        var p = a.P.Concat(b.P).Select(x => (double)x).ToArray();
        var m = new double[p.Length];
        var v = new double[p.Length];
        var adam = new Adam(set, 0.9f, 0.99f, 1e-8f);
        for (int t = 1; t <= 5; t++)
        {
            // A gradient that changes each step, the same for both.
            var rng = new CellRandom(t);
            rng.FillUniform(a.G, -1f, 1f);
            rng.FillUniform(b.G, -1f, 1f);
            var g = a.G.Concat(b.G).ToArray();
            for (int i = 0; i < p.Length; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                double mh = m[i] / (1 - Math.Pow(0.9, t)), vh = v[i] / (1 - Math.Pow(0.99, t));
                p[i] -= 0.01 * mh / (Math.Sqrt(vh) + 1e-8);
            }
            adam.Step(0.01f);
        }
        var actual = a.P.Concat(b.P).ToArray();
        for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(actual[i] - p[i]) < 1e-5, $"parameter {i}: {actual[i]} vs {p[i]}");
        Assert.Equal(5, adam.Steps);
    }

    [Theory]
    [InlineData("sgd", 1f)]
    [InlineData("sgd", 0.37f)]
    [InlineData("adam", 1f)]
    [InlineData("adam", 0.37f)]
    public void Step_and_clear_gives_the_bits_of_scaling_stepping_and_clearing_apart(string rule, float scale)
    {
        IOptimizer Make(ParameterSet set) => rule == "sgd" ? new Sgd(set) : new Adam(set);
        var (fusedSet, fa, fb) = TwoGroups();
        var (apartSet, aa, ab) = TwoGroups();
        var fused = Make(fusedSet);
        var apart = Make(apartSet);
        for (int t = 1; t <= 3; t++)
        {
            foreach (var (x, y, seed) in new[] { (fa, aa, t), (fb, ab, t + 10) })
            {
                new CellRandom(seed).FillUniform(x.G, -2f, 2f);
                new CellRandom(seed).FillUniform(y.G, -2f, 2f);
            }
            fused.StepAndClear(0.3f, scale);
            if (scale != 1f) apartSet.ScaleGradients(scale);
            apart.Step(0.3f);
            apartSet.ZeroGradients();
            Assert.Equal(aa.P, fa.P);
            Assert.Equal(ab.P, fb.P);
            Assert.All(fa.G.Concat(fb.G), g => Assert.Equal(0f, g));
        }
        Assert.Equal(apart.Steps, fused.Steps);
        Assert.Equal(3, fused.Steps);
    }

    [Theory]
    [InlineData(7.0, 2.0, 2.0 / 7.0)]
    [InlineData(1.5, 2.0, 1.0)]
    [InlineData(7.0, 0.0, 1.0)]
    [InlineData(7.0, double.PositiveInfinity, 1.0)]
    [InlineData(double.PositiveInfinity, 2.0, 1.0)]
    public void Clip_scale_is_the_bound_over_the_norm_only_when_the_norm_exceeds_a_finite_bound(double norm, double bound, double expected)
        => Assert.Equal((float)expected, GradientClipping.Scale(norm, bound));

    [Fact]
    public void Zaremba_small_schedule_keeps_the_rate_for_four_epochs_then_halves_it_each_epoch()
    {
        var s = new LearningRateSchedule(1f, 4, 2f);
        Assert.Equal(new[] { 1f, 1f, 1f, 1f, 0.5f, 0.25f, 0.125f }, Enumerable.Range(0, 7).Select(s.Rate).ToArray());
    }

    [Theory]
    [InlineData(0f, 4, 2f)]
    [InlineData(1f, -1, 2f)]
    [InlineData(1f, 4, 0.5f)]
    public void A_schedule_that_cannot_train_is_an_error(float initial, int constant, float decay)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(initial, constant, decay));
}
