using System.Runtime.Intrinsics;
using CellDsl.Kernels;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>Sigmoid and tanh on every lane width against float64, in ulps of the float result.</summary>
public class ActivationTests
{
    private static IEnumerable<float> Inputs()
    {
        for (float v = -20f; v <= 20f; v += 0.00731f) yield return v;
        foreach (var v in new[] { 0f, -0f, 1e-30f, -1e-30f, 1e-8f, 0.29999f, 0.3f, 0.30001f, 88f, -88f, 100f, -100f, 1e30f, -1e30f })
            yield return v;
    }

    // Below float's smallest normal (1.2e-38) results are subnormal and compared absolutely: sigmoid(-100) = 3.7e-44
    // may come out as 0, an absolute error no training run can see.
    private static double Ulps(double exact, float got)
    {
        if (Math.Abs(exact) < 1.1754944e-38 && Math.Abs(got - exact) < 1.1754944e-38) return 0;
        float e = (float)exact;
        float ulp = MathF.Max(MathF.BitIncrement(MathF.Abs(e)) - MathF.Abs(e), float.Epsilon);
        return Math.Abs(got - exact) / ulp;
    }

    [Fact]
    public void Tanh_within_four_ulps_on_every_path()
    {
        foreach (var v in Inputs())
        {
            double exact = Math.Tanh(v);
            Assert.True(Ulps(exact, Activations.Tanh(v)) <= 4, $"scalar tanh({v})");
            Assert.True(Ulps(exact, Activations.Tanh(Vector256.Create(v))[3]) <= 4, $"256-bit tanh({v})");
            Assert.True(Ulps(exact, Activations.Tanh(Vector512.Create(v))[7]) <= 4, $"512-bit tanh({v})");
            Assert.True(Ulps(exact, Activations.Tanh(Vector128.Create(v))[2]) <= 4, $"128-bit tanh({v})");
        }
    }

    [Fact]
    public void Exp_within_two_ulps_over_its_range()
    {
        for (float v = -87f; v <= 88f; v += 0.01337f)
        {
            double exact = Math.Exp(v);
            Assert.True(Ulps(exact, Activations.Exp(Vector512.Create(v))[5]) <= 2, $"512-bit exp({v})");
            Assert.True(Ulps(exact, Activations.Exp(Vector256.Create(v))[5]) <= 2, $"256-bit exp({v})");
            Assert.True(Ulps(exact, Activations.Exp(Vector128.Create(v))[1]) <= 2, $"128-bit exp({v})");
        }
    }

    [Fact]
    public void Sigmoid_within_four_ulps_on_every_path()
    {
        foreach (var v in Inputs())
        {
            double exact = 1.0 / (1.0 + Math.Exp(-(double)v));
            Assert.True(Ulps(exact, Activations.Sigmoid(v)) <= 4, $"scalar sigmoid({v})");
            Assert.True(Ulps(exact, Activations.Sigmoid(Vector256.Create(v))[3]) <= 4, $"256-bit sigmoid({v})");
            Assert.True(Ulps(exact, Activations.Sigmoid(Vector512.Create(v))[7]) <= 4, $"512-bit sigmoid({v})");
            Assert.True(Ulps(exact, Activations.Sigmoid(Vector128.Create(v))[2]) <= 4, $"128-bit sigmoid({v})");
        }
    }
}
