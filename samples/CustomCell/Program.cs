// Declares a cell of one's own, runs it forward and backward over a batch of sequences, and checks its
// generated gradients against CellDsl's float64 reference interpreter.
using CellDsl;
using CellDsl.Testing;
using static CellDsl.CellOps;

var cell = new CoupledPeephole(inputSize: 32, hiddenSize: 64, seed: 1);
Console.WriteLine($"{cell.Name}: {cell.Parameters.Length} parameters");
foreach (var p in cell.ParameterLayout) Console.WriteLine($"  {p.Name,-8} [{p.Rows} x {p.Columns}]");

int steps = 35, batch = 20;
var ws = cell.CreateWorkspace(steps, batch);
var x = new float[steps * batch * cell.InputSize];           // [T, B, I]
new CellRandom(7).FillUniform(x, -1f, 1f);
cell.Forward(ws, x);                                          // initial states: zeros
var loss = ws.Output.ToArray().Sum(v => 0.5 * v * v);         // L = ½‖h‖² over all steps
cell.Backward(ws, ws.Output);                                 // dL/dh = h; adds to cell.Gradients
Console.WriteLine($"loss {loss:F4}, |dL/dW_x_f| = {Norm(cell.Gradient("W_x_f")):F4}");

var report = GradientCheck.Run(new CoupledPeephole(4, 4, seed: 1));
Console.WriteLine(report);
return report.Passed() ? 0 : 1;

static double Norm(ReadOnlySpan<float> v) { double s = 0; foreach (var e in v) s += e * e; return Math.Sqrt(s); }

/// <summary>A peephole LSTM whose input gate is coupled to the forget gate (i = 1 - f).</summary>
[RnnCell]
public partial class CoupledPeephole
{
    static void Step(Var x, ref Var h, ref Var c)
    {
        var f = Sigmoid(W(x) + W(h) + P(c) + B(1f));
        var g = Tanh(W(x) + W(h) + B());
        c = f * c + (1f - f) * g;
        var o = Sigmoid(W(x) + W(h) + P(c) + B());
        h = o * Tanh(c);
    }
}
