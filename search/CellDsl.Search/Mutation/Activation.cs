using System;
using System.Collections.Generic;
using System.Globalization;
using CellDsl.Compiler;
using CellDsl.Compiler.Graph;
using GraphInit = CellDsl.Compiler.Graph.InitKind;
using GraphParamKind = CellDsl.Compiler.Graph.ParamKind;

namespace CellDsl.Search.Mutation
{
    /// <summary>
    /// One of the paper's activations: tanh, sigmoid, ReLU, or Linear(a, v) = W v + b with W initialised to small
    /// noise plus a·I (the IR's Dense with a bias and <see cref="GraphInit.SmallPlusDiagonal"/>, which is what
    /// <c>CellOps.Linear</c> declares). <see cref="Op"/> is the node's operation; <see cref="A"/> matters for Linear only.
    /// </summary>
    public readonly record struct Activation(OpKind Op, float A)
    {
        /// <summary>The set Jozefowicz et al. draw from: {tanh, sigmoid, ReLU, Linear(0,x), Linear(1,x), Linear(0.9,x), Linear(1.1,x)}.</summary>
        public static IReadOnlyList<Activation> All { get; } = new[]
        {
            new Activation(OpKind.Tanh, 0f), new Activation(OpKind.Sigmoid, 0f), new Activation(OpKind.Relu, 0f),
            Linear(0f), Linear(1f), Linear(0.9f), Linear(1.1f),
        };

        public static Activation Linear(float a) => new Activation(OpKind.Dense, a);

        public bool IsLinear => Op == OpKind.Dense;

        /// <summary>Nodes the operators treat as activations: tanh, sigmoid, ReLU and every projection (W v, and
        /// Linear(a, v)): the paper's graphs have no bare W, their linear maps are the Linear activations, and
        /// treating W v as one lets a mutation reach MUT1's tanh(x) from the GRU's W x.</summary>
        public static bool IsActivationNode(Node n) => n.Op is OpKind.Tanh or OpKind.Sigmoid or OpKind.Relu or OpKind.Dense;

        /// <summary>Whether node <paramref name="node"/> of <paramref name="g"/> already computes this activation.</summary>
        public bool SameAs(CellGraph g, int node)
        {
            var n = g.Nodes[node];
            if (n.Op != Op) return false;
            if (!IsLinear) return true;
            var w = g.Parameters[n.Param];
            return n.Param2 >= 0 && w.InitKind == GraphInit.SmallPlusDiagonal && w.Init.Equals(A);
        }

        /// <summary>The node computing this activation of <paramref name="operand"/>; a Linear's weight and bias are
        /// appended to <paramref name="g"/> under fresh names.</summary>
        public Node MakeNode(ref CellGraph g, int operand)
        {
            if (!IsLinear) return new Node(Op, new[] { operand }.ToEquatableArray());
            var dims = GraphAnalysis.Dims(g);
            string w = FreshName(g, "W_lin");
            g = GraphRewrite.AddParameter(g, new Parameter(w, GraphParamKind.Dense, dims[operand], GraphInit.SmallPlusDiagonal, A), out int wi);
            g = GraphRewrite.AddParameter(g, new Parameter(FreshName(g, "b_lin"), GraphParamKind.Bias, Dim.Hidden, GraphInit.Constant, 0f), out int bi);
            return new Node(OpKind.Dense, new[] { operand }.ToEquatableArray(), Param: wi, Param2: bi);
        }

        public override string ToString()
            => Op switch
            {
                OpKind.Tanh => "tanh",
                OpKind.Sigmoid => "sigmoid",
                OpKind.Relu => "relu",
                OpKind.Dense => "Linear(" + A.ToString("R", CultureInfo.InvariantCulture) + ", x)",
                _ => Op.ToString(),
            };

        private static string FreshName(CellGraph g, string prefix)
        {
            var taken = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in g.Parameters) taken.Add(p.Name);
            for (int k = 1; ; k++)
            {
                string name = prefix + k.ToString(CultureInfo.InvariantCulture);
                if (!taken.Contains(name)) return name;
            }
        }
    }
}
