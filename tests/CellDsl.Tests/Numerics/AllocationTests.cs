using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Numerics;

/// <summary>Forward and Backward allocate nothing once the workspace exists (all activations live in it).</summary>
public class AllocationTests
{
    [Theory]
    [MemberData(nameof(ZooOracleTests.ZooNames), MemberType = typeof(ZooOracleTests))]
    public void Forward_and_backward_allocate_nothing(string name)
    {
        var cell = CellZoo.Get(name).Create(24, 24, 1);
        int T = 6, B = 4, S = cell.StateNames.Count;
        var ws = cell.CreateWorkspace(T, B);
        var x = new float[T * B * 24];
        var h0 = new float[S * B * 24];
        var dy = new float[T * B * 24];
        var dFinal = new float[S * B * 24];
        var dx = new float[x.Length];
        var dh0 = new float[h0.Length];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i);
        for (int i = 0; i < dy.Length; i++) dy[i] = MathF.Cos(i);
        // Warm up: JIT, tiered compilation and static initialisers may allocate once.
        for (int r = 0; r < 3; r++) { cell.Forward(ws, x, h0); cell.Backward(ws, dy, dFinal, dx, dh0); }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 5; r++)
        {
            cell.Forward(ws, x, h0);
            cell.Backward(ws, dy, dFinal, dx, dh0);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
