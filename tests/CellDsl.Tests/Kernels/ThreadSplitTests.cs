using CellDsl.Kernels;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>
/// A whole batch runs its per-step GEMMs, fused loops and state-gradient sums and copies split between the two
/// cores; a batch of one row runs on one thread. Each output element is the same chain of operations either way, so every row's outputs and input
/// gradients must be bit-identical.
/// </summary>
public class ThreadSplitTests
{
    [Theory]
    // 24 × 700 elements per loop and 47M multiply-adds per step: both split; ragged tails.
    [InlineData("lstm", 24, 700)]
    [InlineData("gru", 24, 700)]
    [InlineData("peephole", 24, 700)]
    [InlineData("mut2", 24, 700)]
    // B = 64, H = 200: loops of 12800 elements split and the backward step's dh = dZ · W splits 96 | 104.
    [InlineData("lstm", 64, 200)]
    [InlineData("gru", 64, 200)]
    [InlineData("gru-torch", 64, 200)]
    [InlineData("mut1", 64, 200)]
    // B = 20, H = 650: loops of 13000 elements split.
    [InlineData("lstm", 20, 650)]
    [InlineData("peephole", 20, 650)]
    // B = 48, H = 700: the state gradients' sums and copies between steps split by rows too.
    [InlineData("lstm", 48, 700)]
    [InlineData("gru", 48, 700)]
    public void Rows_of_a_split_batch_match_single_row_runs(string name, int B, int H)
    {
        const int T = 3;
        Assert.True(Worker.SplitColumns(B, H) > 0 || Sgemm.Threads == 1);
        Assert.True(B * H < 32768 || Worker.SplitElementRows(B, H) > 0 || Sgemm.Threads == 1);
        var cell = CellZoo.Get(name).Create(H, H, 11);
        var rng = new CellRandom(3);
        var x = new float[T * B * H]; rng.FillUniform(x, -1f, 1f);
        var dy = new float[T * B * H]; rng.FillUniform(dy, -1f, 1f);

        var whole = cell.CreateWorkspace(T, B);
        cell.Forward(whole, x);
        var output = whole.Output.ToArray();
        var dx = new float[T * B * H];
        cell.Backward(whole, dy, dx: dx);

        var single = cell.CreateWorkspace(T, 1);
        var xRow = new float[T * H];
        var dyRow = new float[T * H];
        var dxRow = new float[T * H];
        for (int b = 0; b < B; b++)
        {
            for (int t = 0; t < T; t++)
            {
                Array.Copy(x, (t * B + b) * H, xRow, t * H, H);
                Array.Copy(dy, (t * B + b) * H, dyRow, t * H, H);
            }
            cell.Forward(single, xRow);
            cell.Backward(single, dyRow, dx: dxRow);
            for (int t = 0; t < T; t++)
            {
                Assert.Equal(output.AsSpan((t * B + b) * H, H).ToArray(), single.Output.Slice(t * H, H).ToArray());
                Assert.Equal(dx.AsSpan((t * B + b) * H, H).ToArray(), dxRow.AsSpan(t * H, H).ToArray());
            }
        }
    }
}
