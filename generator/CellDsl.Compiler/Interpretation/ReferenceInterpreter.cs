using System;
using System.Collections.Generic;
using CellDsl.Compiler.Autodiff;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Planning;

namespace CellDsl.Compiler.Interpretation
{
    /// <summary>
    /// The float64 oracle: runs a cell graph node by node, element by element, with no planning, fusion or GEMM.
    /// Parameters use the same flat layout as the generated code (<see cref="CellPlan.Slots"/>), so vectors can be
    /// passed between the two. Tensors are row-major: x is [T, B, I], states are [S, B, H], outputs [T, B, H].
    /// </summary>
    public sealed class ReferenceInterpreter
    {
        public CellGraph Graph { get; }
        public CellPlan Plan { get; }
        public int InputSize { get; }
        public int HiddenSize { get; }
        private readonly long[] _offsets;
        private readonly AdjointGraph _adjoint;

        public ReferenceInterpreter(CellGraph graph, int inputSize, int hiddenSize)
        {
            Graph = graph;
            Plan = CellPlan.Create(graph);
            if (Plan.SquareRequirement is { } why && inputSize != hiddenSize)
                throw new ArgumentException($"Cell '{graph.Name}' needs input size == hidden size ({inputSize} != {hiddenSize}): {why}.");
            InputSize = inputSize;
            HiddenSize = hiddenSize;
            _offsets = new long[graph.Parameters.Count];
            for (int p = 0; p < _offsets.Length; p++)
                _offsets[p] = Plan.Slots[Plan.SlotOfParam[p]].Offset.Evaluate(inputSize, hiddenSize);
            _adjoint = Plan.Adjoint;
        }

        public long ParameterCount => Plan.ParameterTotal.Evaluate(InputSize, HiddenSize);

        public long Offset(int param) => _offsets[param];

        private int Width(int node) => Plan.Dims[node] switch { Dim.Input => InputSize, Dim.Hidden => HiddenSize, _ => 1 };

        /// <summary>Values of every node at every step: Trace[t][node] is [B, width] (width 1 for constants).</summary>
        public sealed class Trace
        {
            public int Steps, Batch;
            public double[][][] Values = Array.Empty<double[][]>();
            /// <summary>[T, B, H]: the output state after each step.</summary>
            public double[] Outputs = Array.Empty<double>();
            /// <summary>[S, B, H]: every state after the last step.</summary>
            public double[] FinalStates = Array.Empty<double>();
        }

        public Trace Forward(double[] parameters, double[] x, int steps, int batch, double[] initialState)
        {
            int I = InputSize, H = HiddenSize, S = Graph.StateCount, n = Graph.Nodes.Count;
            if (x.Length != steps * batch * I) throw new ArgumentException("x must be [T, B, I]");
            if (initialState.Length != 0 && initialState.Length != S * batch * H) throw new ArgumentException("initial state must be [S, B, H]");
            var state = new double[S][];
            for (int k = 0; k < S; k++)
                state[k] = initialState.Length == 0 ? new double[batch * H] : Slice(initialState, k * batch * H, batch * H);
            var trace = new Trace { Steps = steps, Batch = batch, Values = new double[steps][][], Outputs = new double[steps * batch * H] };
            for (int t = 0; t < steps; t++)
            {
                var v = trace.Values[t] = new double[n][];
                for (int i = 0; i < n; i++)
                {
                    var node = Graph.Nodes[i];
                    int w = Width(i);
                    bool scalar = Plan.Dims[i] == Dim.Any;
                    var y = v[i] = new double[scalar ? 1 : batch * w];
                    for (int b = 0; b < (scalar ? 1 : batch); b++)
                    {
                        for (int j = 0; j < w; j++)
                        {
                            double r;
                            switch (node.Op)
                            {
                                case OpKind.Input: r = x[(t * batch + b) * I + j]; break;
                                case OpKind.State: r = state[node.State][b * H + j]; break;
                                case OpKind.Const: r = node.Value; break;
                                case OpKind.Bias: r = parameters[(int)(_offsets[node.Param] + j)]; break;
                                case OpKind.Diag: r = parameters[(int)(_offsets[node.Param] + j)] * Read(v, node.Args[0], b, j); break;
                                case OpKind.Dense:
                                {
                                    int a = node.Args[0], k = Width(a);
                                    long w0 = _offsets[node.Param] + (long)j * k;
                                    double s = node.Param2 >= 0 ? parameters[(int)(_offsets[node.Param2] + j)] : 0.0;
                                    for (int c = 0; c < k; c++) s += parameters[(int)(w0 + c)] * Read(v, a, b, c);
                                    r = s;
                                    break;
                                }
                                default:
                                {
                                    var f = Ops.Of(node.Op).Evaluate ?? throw new InvalidOperationException(node.Op.ToString());
                                    r = f(Read(v, node.Args[0], b, j), node.Args.Count > 1 ? Read(v, node.Args[1], b, j) : 0.0);
                                    break;
                                }
                            }
                            y[b * w + j] = r;
                        }
                    }
                }
                for (int k = 0; k < S; k++) state[k] = (double[])v[Graph.Next[k]].Clone();
                Array.Copy(state[Graph.OutputState], 0, trace.Outputs, t * batch * H, batch * H);
            }
            trace.FinalStates = new double[S * batch * H];
            for (int k = 0; k < S; k++) Array.Copy(state[k], 0, trace.FinalStates, k * batch * H, batch * H);
            return trace;
        }

        private static double[] Slice(double[] a, int start, int length)
        {
            var r = new double[length];
            Array.Copy(a, start, r, 0, length);
            return r;
        }

        private double Read(double[][] v, int node, int b, int j) => Plan.Dims[node] == Dim.Any ? v[node][0] : v[node][b * Width(node) + j];

        /// <summary>Gradients of a loss L given dL/d(outputs) [T, B, H] and dL/d(final states) [S, B, H] (either may be empty).</summary>
        public sealed class Gradients
        {
            public double[] Parameters = Array.Empty<double>();
            public double[] Input = Array.Empty<double>();
            public double[] InitialState = Array.Empty<double>();
        }

        /// <summary>Reverse mode over the adjoint graph in float64: checks the derivative rules apart from the emitter.</summary>
        public Gradients Backward(double[] parameters, Trace trace, double[] dOutputs, double[] dFinalStates)
        {
            int I = InputSize, H = HiddenSize, S = Graph.StateCount, n = Graph.Nodes.Count, T = trace.Steps, B = trace.Batch;
            var grads = new Gradients { Parameters = new double[ParameterCount], Input = new double[T * B * I], InitialState = new double[S * B * H] };
            var dState = new double[S][];
            for (int k = 0; k < S; k++)
                dState[k] = dFinalStates.Length == 0 ? new double[B * H] : Slice(dFinalStates, k * B * H, B * H);
            for (int t = T - 1; t >= 0; t--)
            {
                var v = trace.Values[t];
                var adj = new double[n][];
                for (int i = 0; i < n; i++) adj[i] = new double[B * Math.Max(Width(i), 1)];
                for (int k = 0; k < S; k++)
                {
                    var d = adj[Graph.Next[k]];
                    for (int e = 0; e < B * H; e++)
                    {
                        d[e] += dState[k][e];
                        if (k == Graph.OutputState && dOutputs.Length != 0) d[e] += dOutputs[t * B * H + e];
                    }
                }
                var dPrev = new double[S][];
                for (int k = 0; k < S; k++) dPrev[k] = new double[B * H];
                for (int i = n - 1; i >= 0; i--)
                {
                    var node = Graph.Nodes[i];
                    if (node.Op == OpKind.Input) { for (int e = 0; e < B * I; e++) grads.Input[t * B * I + e] += adj[i][e]; continue; }
                    if (node.Op == OpKind.State) { for (int e = 0; e < B * H; e++) dPrev[node.State][e] += adj[i][e]; continue; }
                    int w = Width(i);
                    foreach (var term in _adjoint.Terms[i])
                    {
                        switch (term.Kind)
                        {
                            case TermKind.ToNode:
                            {
                                int tw = Width(term.Target);
                                for (int b = 0; b < B; b++)
                                    for (int j = 0; j < tw; j++)
                                        adj[term.Target][b * tw + j] += Eval(term.Expr!, parameters, v, adj[i], b, j, w);
                                break;
                            }
                            case TermKind.ToParam:
                            {
                                long o = _offsets[term.Target];
                                for (int b = 0; b < B; b++)
                                    for (int j = 0; j < HiddenSize; j++)
                                        grads.Parameters[o + j] += Eval(term.Expr!, parameters, v, adj[i], b, j, w);
                                break;
                            }
                            case TermKind.ProjectToOperand:
                            {
                                int a = term.Target, k = Width(a);
                                long w0 = _offsets[node.Param];
                                for (int b = 0; b < B; b++)
                                    for (int j = 0; j < H; j++)
                                        for (int c = 0; c < k; c++)
                                            adj[a][b * k + c] += adj[i][b * H + j] * parameters[(int)(w0 + (long)j * k + c)];
                                break;
                            }
                            case TermKind.ProjectToWeight:
                            {
                                int a = node.Args[0], k = Width(a);
                                long w0 = _offsets[term.Target];
                                for (int b = 0; b < B; b++)
                                    for (int j = 0; j < H; j++)
                                        for (int c = 0; c < k; c++)
                                            grads.Parameters[w0 + (long)j * k + c] += adj[i][b * H + j] * Read(v, a, b, c);
                                break;
                            }
                        }
                    }
                }
                dState = dPrev;
            }
            for (int k = 0; k < S; k++) Array.Copy(dState[k], 0, grads.InitialState, k * B * H, B * H);
            return grads;
        }

        private double Eval(AdjExpr e, double[] parameters, double[][] v, double[] grad, int b, int j, int gradWidth)
        {
            switch (e.Kind)
            {
                case AdjKind.Grad: return grad[b * gradWidth + j];
                case AdjKind.Value: return Read(v, e.Node, b, j);
                case AdjKind.ParamValue: return parameters[(int)(_offsets[e.Node] + j)];
                case AdjKind.Const: return e.Value;
                case AdjKind.Mul: return Eval(e.A!, parameters, v, grad, b, j, gradWidth) * Eval(e.B!, parameters, v, grad, b, j, gradWidth);
                case AdjKind.Sub: return Eval(e.A!, parameters, v, grad, b, j, gradWidth) - Eval(e.B!, parameters, v, grad, b, j, gradWidth);
                case AdjKind.Neg: return -Eval(e.A!, parameters, v, grad, b, j, gradWidth);
                case AdjKind.ReluMask: return Read(v, e.Node, b, j) > 0 ? Eval(e.A!, parameters, v, grad, b, j, gradWidth) : 0.0;
                default: throw new InvalidOperationException(e.Kind.ToString());
            }
        }

        /// <summary>L = Σ wOut ⊙ outputs + Σ wFinal ⊙ final states: the scalar loss gradient checks differentiate.</summary>
        public double Loss(double[] parameters, double[] x, int steps, int batch, double[] initialState,
            double[] wOutputs, double[] wFinal)
        {
            var tr = Forward(parameters, x, steps, batch, initialState);
            double l = 0;
            for (int e = 0; e < tr.Outputs.Length; e++) l += wOutputs[e] * tr.Outputs[e];
            for (int e = 0; e < tr.FinalStates.Length; e++) l += wFinal[e] * tr.FinalStates[e];
            return l;
        }

        /// <summary>Central finite differences of <see cref="Loss"/> in float64 with respect to every parameter,
        /// input element and initial-state element.</summary>
        public Gradients FiniteDifferences(double[] parameters, double[] x, int steps, int batch, double[] initialState,
            double[] wOutputs, double[] wFinal, double epsilon = 1e-6)
        {
            double Diff(double[] arr, int i)
            {
                double keep = arr[i];
                arr[i] = keep + epsilon;
                double up = Loss(parameters, x, steps, batch, initialState, wOutputs, wFinal);
                arr[i] = keep - epsilon;
                double down = Loss(parameters, x, steps, batch, initialState, wOutputs, wFinal);
                arr[i] = keep;
                return (up - down) / (2 * epsilon);
            }
            var g = new Gradients { Parameters = new double[parameters.Length], Input = new double[x.Length], InitialState = new double[initialState.Length] };
            for (int i = 0; i < parameters.Length; i++) g.Parameters[i] = Diff(parameters, i);
            for (int i = 0; i < x.Length; i++) g.Input[i] = Diff(x, i);
            for (int i = 0; i < initialState.Length; i++) g.InitialState[i] = Diff(initialState, i);
            return g;
        }
    }
}
