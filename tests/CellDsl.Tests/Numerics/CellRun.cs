using CellDsl.Compiler.Graph;

namespace CellDsl.Tests.Numerics;

/// <summary>One Forward and Backward of a cell on inputs drawn from a seed, with everything it produced.</summary>
internal sealed record CellRun(
    float[] X, float[] InitialState, float[] DOutput, float[] DFinalState,
    float[] Output, float[] FinalStates, float[] Gradients, float[] Dx, float[] DInitialState)
{
    /// <summary>x, the initial states, dL/d output and dL/d final states uniform in [-1, 1] from
    /// <paramref name="seed"/>, in that order; gradients zeroed before the backward pass.</summary>
    public static CellRun Of(IRecurrentCell cell, CellGraph graph, int T, int B, int seed)
    {
        int I = cell.InputSize, H = cell.HiddenSize, S = graph.StateCount;
        var rng = new CellRandom(seed);
        float[] R(int n) { var a = new float[n]; rng.FillUniform(a, -1f, 1f); return a; }
        var x = R(T * B * I); var h0 = R(S * B * H); var dy = R(T * B * H); var dFinal = R(S * B * H);

        var ws = cell.CreateWorkspace(T, B);
        cell.Forward(ws, x, h0);
        var finals = new float[S * B * H];
        ws.CopyFinalStates(finals);
        var dx = new float[x.Length]; var dh0 = new float[h0.Length];
        cell.ZeroGradients();
        cell.Backward(ws, dy, dFinal, dx, dh0);
        return new CellRun(x, h0, dy, dFinal, ws.Output.ToArray(), finals, cell.Gradients.ToArray(), dx, dh0);
    }
}
