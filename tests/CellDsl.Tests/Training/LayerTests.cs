using CellDsl.Training.Layers;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>The state-carrying and masking behaviour of the layers that the gradient checks take as given.</summary>
public class LayerTests
{
    private static IRecurrentCell[] Cells() => new[] { CellZoo.Get("lstm").Create(3, 5, 1), CellZoo.Get("gru").Create(5, 5, 2) };

    [Fact]
    public void Two_windows_with_carried_state_give_the_outputs_of_one_window_twice_as_long()
    {
        var cells = Cells();
        int B = 2;
        var x = new float[6 * B * 3];
        new CellRandom(4).FillUniform(x, -1f, 1f);
        var whole = new CellStack(cells, 6, B);
        whole.Forward(x, null);
        var halves = new CellStack(cells, 3, B);
        halves.Forward(x.AsSpan(0, 3 * B * 3), null);
        var first = halves.Output.ToArray();
        halves.Forward(x.AsSpan(3 * B * 3), null);
        var both = first.Concat(halves.Output.ToArray()).ToArray();
        var expected = whole.Output.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - both[i]) <= 1e-6f, $"output {i}: {both[i]} vs {expected[i]}");

        halves.ResetState();
        halves.Forward(x.AsSpan(0, 3 * B * 3), null);
        Assert.Equal(first, halves.Output.ToArray());
    }

    [Fact]
    public void Dropout_draws_a_fresh_mask_each_training_pass_and_is_the_identity_at_evaluation()
    {
        var dropout = new Dropout(0.5f, 64);
        var x = Enumerable.Range(1, 64).Select(i => (float)i).ToArray();
        var y = new float[64];
        var rng = new CellRandom(3);
        dropout.Forward(x, y, rng);
        var mask1 = dropout.Mask.ToArray();
        for (int i = 0; i < 64; i++) Assert.Equal(x[i] * mask1[i], y[i]);
        Assert.All(mask1, m => Assert.True(m == 0f || m == 2f));

        var dy = Enumerable.Range(0, 64).Select(i => 1f + i % 5).ToArray();
        var dx = new float[64];
        dropout.Backward(dy, dx);
        for (int i = 0; i < 64; i++) Assert.Equal(dy[i] * mask1[i], dx[i]);

        dropout.Forward(x, y, rng);
        Assert.NotEqual(mask1, dropout.Mask.ToArray());

        dropout.Forward(x, y, null);
        Assert.Equal(x, y);
        dropout.Backward(dy, dx);
        Assert.Equal(dy, dx);
    }
}
