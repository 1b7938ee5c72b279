using System;
using System.Collections.Generic;

namespace CellDsl.Compiler.Graph
{
    /// <summary>What a node computes. Nodes are elementwise over the hidden (or input) dimension
    /// unless they are <see cref="Dense"/> projections.</summary>
    public enum OpKind
    {
        /// <summary>The step's input x.</summary>
        Input,
        /// <summary>A carried state's value from the previous step (<see cref="Node.State"/> says which).</summary>
        State,
        /// <summary>A float constant broadcast to any width (<see cref="Node.Value"/>).</summary>
        Const,
        /// <summary>W·v with a fresh dense weight (<see cref="Node.Param"/>); with <see cref="Node.Param2"/>, W·v + b (Linear).</summary>
        Dense,
        /// <summary>A fresh bias vector (<see cref="Node.Param"/>).</summary>
        Bias,
        /// <summary>p ⊙ v with a fresh diagonal (peephole) weight (<see cref="Node.Param"/>).</summary>
        Diag,
        Add,
        Sub,
        Mul,
        Neg,
        Sigmoid,
        Tanh,
        Relu,
    }

    /// <summary>The size a value has: the input size, the hidden size, or any (a constant).</summary>
    public enum Dim
    {
        Any,
        Input,
        Hidden,
    }

    public enum ParamKind
    {
        /// <summary>[hidden, dim(v)] matrix, row-major.</summary>
        Dense,
        /// <summary>[hidden] vector added elementwise.</summary>
        Bias,
        /// <summary>[hidden] vector multiplied elementwise (peephole).</summary>
        Diag,
    }

    public enum InitKind
    {
        /// <summary>U(-1/sqrt(H), 1/sqrt(H)), as PyTorch initialises its recurrent layers.</summary>
        Uniform,
        /// <summary>A constant (<see cref="Parameter.Init"/>): biases.</summary>
        Constant,
        /// <summary>Small uniform noise U(-0.01, 0.01) plus <see cref="Parameter.Init"/> on the diagonal: Jozefowicz et al.'s Linear(a, x).</summary>
        SmallPlusDiagonal,
    }

    /// <summary>One trainable tensor. <see cref="In"/> is the width of the projected operand for dense weights.</summary>
    public sealed record Parameter(string Name, ParamKind Kind, Dim In, InitKind InitKind, float Init);

    /// <summary>
    /// One SSA value of a step. <see cref="Args"/> index earlier nodes, so node order is a topological order.
    /// <see cref="Name"/> is the local the user bound it to, kept for readable output.
    /// </summary>
    public sealed record Node(OpKind Op, EquatableArray<int> Args, int Param = -1, int Param2 = -1, float Value = 0f, int State = -1, string? Name = null)
    {
        public bool IsElementwise => Ops.IsKnown(Op) && Ops.Of(Op).IsElementwise;

        public bool IsLeaf => Ops.IsKnown(Op) && Ops.Of(Op).IsLeaf;
    }

    /// <summary>
    /// A recurrent cell as a graph: one step's computation from x and the previous states to the new states.
    /// <see cref="Next"/>[k] is the node whose value state k takes at the end of the step.
    /// </summary>
    public sealed record CellGraph(
        string Name,
        string InputName,
        EquatableArray<string> States,
        int OutputState,
        EquatableArray<Node> Nodes,
        EquatableArray<Parameter> Parameters,
        EquatableArray<int> Next)
    {
        public int StateCount => States.Count;

        /// <summary>Number of trainable floats for the given sizes.</summary>
        public long ParameterCount(int inputSize, int hiddenSize)
        {
            long n = 0;
            foreach (var p in Parameters)
                n += p.Kind == ParamKind.Dense ? (long)hiddenSize * (p.In == Dim.Input ? inputSize : hiddenSize) : hiddenSize;
            return n;
        }

        /// <summary>How many operands read each node (a node read twice by one op counts twice).</summary>
        public int[] UseCounts()
        {
            var uses = new int[Nodes.Count];
            foreach (var n in Nodes) foreach (int a in n.Args) uses[a]++;
            return uses;
        }

        /// <summary>The states that take each node as their next value, in state order; null for the other nodes.</summary>
        public List<int>?[] StatesTaking()
        {
            var states = new List<int>?[Nodes.Count];
            for (int k = 0; k < StateCount; k++) (states[Next[k]] ??= new List<int>()).Add(k);
            return states;
        }

        /// <summary>The nodes that read each node.</summary>
        public List<int>[] Consumers()
        {
            var consumers = new List<int>[Nodes.Count];
            for (int i = 0; i < consumers.Length; i++) consumers[i] = new List<int>();
            for (int i = 0; i < Nodes.Count; i++)
                foreach (int a in Nodes[i].Args) consumers[a].Add(i);
            return consumers;
        }
    }
}
