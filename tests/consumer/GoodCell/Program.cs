// Declares a cell, runs it forward and backward once, and checks its generated gradients against the float64
// reference interpreter; exits 1 when the check fails.
using CellDsl;
using CellDsl.Testing;
using static CellDsl.CellOps;

var cell = new MinimalGated(inputSize: 3, hiddenSize: 5, seed: 2);
var ws = cell.CreateWorkspace(steps: 4, batch: 2);
var x = new float[4 * 2 * 3];
new CellRandom(3).FillUniform(x, -1f, 1f);
cell.Forward(ws, x);
cell.Backward(ws, ws.Output);
Console.WriteLine($"{cell.Name}: {cell.Parameters.Length} parameters, output {ws.Output.Length} floats");

var report = GradientCheck.Run(new MinimalGated(3, 5, seed: 2));
Console.WriteLine(report);
Console.WriteLine(report.Passed() ? "gradient check passed" : "gradient check FAILED");
return report.Passed() ? 0 : 1;

/// <summary>A minimal gated unit: one gate f interpolates between the state and a tanh candidate.</summary>
[RnnCell]
public partial class MinimalGated
{
    static void Step(Var x, ref Var h)
    {
        var f = Sigmoid(W(x) + W(h) + B(1f));
        var n = Tanh(W(x) + W(f * h) + B());
        h = f * h + (1f - f) * n;
    }
}
