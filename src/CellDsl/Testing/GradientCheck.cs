using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;

namespace CellDsl.Testing
{
    /// <summary>How far one gradient tensor (or the forward outputs) is from the float64 oracle.</summary>
    /// <param name="Name">A parameter name, "x" for the input, or a state name with "0" for its initial value.</param>
    /// <param name="MaxAbsError">Largest |generated - oracle| over the tensor's elements.</param>
    /// <param name="Scale">Largest |oracle| over the tensor (at least 1e-3, so all-zero gradients do not divide by zero).</param>
    public sealed record GradientError(string Name, double MaxAbsError, double Scale)
    {
        /// <summary>The error relative to the tensor's largest magnitude: the figure the checks bound.</summary>
        public double Relative => MaxAbsError / Scale;
    }

    /// <summary>The result of <see cref="GradientCheck.Run"/>.</summary>
    public sealed record GradientCheckReport(string Cell, GradientError Forward, IReadOnlyList<GradientError> Gradients)
    {
        public GradientError Worst => Gradients.OrderByDescending(g => g.Relative).First();

        /// <summary>True when the forward pass and every gradient are within <paramref name="tolerance"/> (relative to each tensor's scale).</summary>
        public bool Passed(double tolerance = 1e-3) => Forward.Relative <= tolerance && Gradients.All(g => g.Relative <= tolerance);

        public override string ToString()
            => $"{Cell}: forward {Forward.Relative:E2}, worst gradient {Worst.Name} {Worst.Relative:E2}";
    }

    /// <summary>
    /// Checks a generated cell against CellDsl's float64 reference interpreter, the way torch.autograd.gradcheck
    /// checks a function: forward outputs must match the interpreter, and Backward's gradients (for every parameter,
    /// the input and every initial state) must match central finite differences of the interpreter in float64.
    /// <code>Assert.True(GradientCheck.Run(new MyCell(4, 4, seed: 1)).Passed());</code>
    /// The cell's gradient buffer is used and restored; its parameters are not changed.
    /// </summary>
    public static class GradientCheck
    {
        public static GradientCheckReport Run(IRecurrentCell cell, int steps = 3, int batch = 2, int seed = 1)
        {
            ArgumentNullException.ThrowIfNull(cell);
            var graph = GraphText.Read(cell.Definition);
            var oracle = new ReferenceInterpreter(graph, cell.InputSize, cell.HiddenSize);
            int T = steps, B = batch, I = cell.InputSize, H = cell.HiddenSize, S = cell.StateNames.Count;
            var rng = new CellRandom(seed);
            float[] Random(int n) { var a = new float[n]; rng.FillUniform(a, -1f, 1f); return a; }
            var x = Random(T * B * I);
            var h0 = Random(S * B * H);
            var wOut = Random(T * B * H);
            var wFinal = Random(S * B * H);

            var savedGradients = cell.Gradients.ToArray();
            var ws = cell.CreateWorkspace(T, B);
            cell.Forward(ws, x, h0);
            var dx = new float[x.Length];
            var dh0 = new float[h0.Length];
            cell.ZeroGradients();
            cell.Backward(ws, wOut, wFinal, dx, dh0);
            var grads = cell.Gradients.ToArray();
            savedGradients.CopyTo(cell.Gradients);

            double[] D(ReadOnlySpan<float> s) { var d = new double[s.Length]; for (int i = 0; i < d.Length; i++) d[i] = s[i]; return d; }
            var p = D(cell.Parameters);
            var trace = oracle.Forward(p, D(x), T, B, D(h0));
            var finals = new float[S * B * H];
            ws.CopyFinalStates(finals);
            var forward = Compare("forward", Concat(ws.Output.ToArray(), finals), trace.Outputs.Concat(trace.FinalStates).ToArray(), 0, trace.Outputs.Length + trace.FinalStates.Length);

            var fd = oracle.FiniteDifferences(p, D(x), T, B, D(h0), D(wOut), D(wFinal));
            var errors = new List<GradientError>();
            foreach (var info in cell.ParameterLayout)
                errors.Add(Compare(info.Name, grads, fd.Parameters, info.Offset, info.Length));
            errors.Add(Compare(graph.InputName, dx, fd.Input, 0, dx.Length));
            for (int k = 0; k < S; k++)
                errors.Add(Compare(cell.StateNames[k] + "0", dh0, fd.InitialState, k * B * H, B * H));
            return new GradientCheckReport(cell.Name, forward, errors);
        }

        private static float[] Concat(float[] a, float[] b) { var r = new float[a.Length + b.Length]; a.CopyTo(r, 0); b.CopyTo(r, a.Length); return r; }

        private static GradientError Compare(string name, float[] actual, double[] expected, int offset, int length)
        {
            double err = 0, scale = 1e-3;
            for (int i = offset; i < offset + length; i++)
            {
                err = Math.Max(err, Math.Abs(actual[i] - expected[i]));
                scale = Math.Max(scale, Math.Abs(expected[i]));
            }
            return new GradientError(name, err, scale);
        }
    }
}
