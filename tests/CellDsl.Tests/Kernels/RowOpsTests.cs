using CellDsl.Kernels;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>
/// The row sums and copies that carry state gradients between backward steps are split by rows between the cores
/// from 32K elements. Each element is one float addition or copy on either thread, so the results must equal an
/// element-by-element loop exactly, for contiguous and strided blocks, whether the worker spins, sleeps or has its
/// half taken back.
/// </summary>
public class RowOpsTests
{
    [Theory]
    [InlineData(64, 650, 650)]   // B = 64, H = 650: a whole step's state gradient, contiguous
    [InlineData(20, 1500, 1500)]
    [InlineData(64, 200, 200)]   // too small to split
    [InlineData(64, 650, 2600)]  // one gate's column block of a stacked [B, 4H] buffer
    public void Split_sums_adds_and_copies_match_an_element_by_element_loop(int rows, int width, int stride)
    {
        if (Sgemm.Threads == 2 && rows * width >= 32768) Assert.True(Worker.SplitElementRows(rows, width) > 0, "this block should split");
        var rng = new CellRandom(rows + width);
        int size = rows * stride + 7;
        var x = new float[size]; rng.FillUniform(x, -1f, 1f);
        var y = new float[size]; rng.FillUniform(y, -1f, 1f);
        for (int trial = 0; trial < 4; trial++)
        {
            if (trial % 2 == 1) Thread.Sleep(2);   // the worker falls asleep; the caller takes its half back
            var sum = new float[size];
            RowOps.Sum(sum, 3, stride, x, 5, stride, y, 7, stride, rows, width);
            var added = (float[])y.Clone();
            RowOps.Add(added, 7, stride, x, 5, stride, rows, width);
            var copy = new float[size];
            RowOps.Copy(copy, 3, stride, x, 5, stride, rows, width);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < width; j++)
                {
                    Assert.Equal(x[5 + r * stride + j] + y[7 + r * stride + j], sum[3 + r * stride + j]);
                    Assert.Equal(y[7 + r * stride + j] + x[5 + r * stride + j], added[7 + r * stride + j]);
                    Assert.Equal(x[5 + r * stride + j], copy[3 + r * stride + j]);
                }
            // Nothing outside the block is written.
            for (int r = 0; r < rows; r++)
                for (int j = width; j < stride && 3 + r * stride + j < size; j++)
                    Assert.Equal(0f, copy[3 + r * stride + j]);
        }
    }

    [Fact]
    public void An_overlapping_copy_within_one_array_equals_Array_Copy()
    {
        // Overlapping rows cannot be split: they are copied in one order on one thread, as Array.Copy copies them.
        const int rows = 64, width = 300;
        var rng = new CellRandom(5);
        var data = new float[rows * width + 100]; rng.FillUniform(data, -1f, 1f);
        var expected = (float[])data.Clone();
        Array.Copy(expected, 0, expected, 100, rows * width);
        RowOps.Copy(data, 100, width, data, 0, width, rows, width);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void A_block_past_the_end_of_its_array_names_the_argument()
    {
        var a = new float[100];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RowOps.Copy(a, 0, 10, new float[50], 0, 10, 6, 10));
        Assert.Equal("src", e.ParamName);
        Assert.Contains("6 rows of 10 floats", e.Message);
    }
}
