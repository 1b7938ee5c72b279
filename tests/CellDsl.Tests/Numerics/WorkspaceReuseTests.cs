using CellDsl.Tests.Numerics.Edge;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Numerics;

/// <summary>
/// The generated passes write every buffer before reading it (gradient buffers are not cleared: their first write
/// stores), so what a workspace held before (an earlier pass, or garbage) cannot leak into a result.
/// </summary>
public class WorkspaceReuseTests
{
    public static TheoryData<string> Cells()
    {
        var data = new TheoryData<string>();
        foreach (var e in CellZoo.All) data.Add(e.Name);
        foreach (var name in EdgeCellTests.Names) data.Add("edge:" + name);
        return data;
    }

    private static IRecurrentCell Create(string name, int size) => name.StartsWith("edge:", StringComparison.Ordinal)
        ? EdgeCellTests.Create(name.Substring(5), size, size, 3)
        : CellZoo.Get(name).Create(size, size, 3);

    [Theory]
    [MemberData(nameof(Cells))]
    public void Results_do_not_depend_on_what_the_workspace_held(string name)
    {
        const int T = 4, B = 3, N = 21; // 21 columns: zmm, ymm and scalar lanes all run
        var cell = Create(name, N);
        int S = cell.StateNames.Count;
        var rng = new CellRandom(5);
        var x = new float[T * B * N]; rng.FillUniform(x, -1f, 1f);
        var h0 = new float[S * B * N]; rng.FillUniform(h0, -1f, 1f);
        var dy = new float[T * B * N]; rng.FillUniform(dy, -1f, 1f);
        var dFinal = new float[S * B * N]; rng.FillUniform(dFinal, -1f, 1f);

        (float[] Y, float[] Grad, float[] Dx, float[] Dh0) Pass(CellWorkspace ws)
        {
            cell.ZeroGradients();
            cell.Forward(ws, x, h0);
            var dx = new float[x.Length];
            var dh0 = new float[h0.Length];
            cell.Backward(ws, dy, dFinal, dx, dh0);
            return (ws.Output.ToArray(), cell.Gradients.ToArray(), dx, dh0);
        }

        var clean = Pass(cell.CreateWorkspace(T, B));
        var poisoned = cell.CreateWorkspace(T, B);
        poisoned.Data.AsSpan().Fill(float.NaN);
        var fromNaN = Pass(poisoned);
        var again = Pass(poisoned); // over the first pass's leftovers

        foreach (var run in new[] { fromNaN, again })
        {
            Assert.Equal(clean.Y, run.Y);
            Assert.Equal(clean.Grad, run.Grad);
            Assert.Equal(clean.Dx, run.Dx);
            Assert.Equal(clean.Dh0, run.Dh0);
        }
    }
}
