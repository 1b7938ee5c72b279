using System;

namespace CellDsl
{
    /// <summary>
    /// A symbolic value in a cell declaration: a vector of the hidden size (or, for <c>x</c>, the input size).
    /// <c>Step</c> bodies are read by the CellDsl generator and compiled to fused kernels; they are never run,
    /// and these operators exist so the C# compiler can type-check the equations.
    /// </summary>
    public readonly struct Var
    {
        internal const string NotExecutable =
            "Cell declarations are compiled by the CellDsl generator and never executed: construct the generated cell " +
            "(for example 'new Lstm(inputSize, hiddenSize, seed)') and call Forward/Backward on it.";

        public static Var operator +(Var a, Var b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator +(Var a, float b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator +(float a, Var b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator -(Var a, Var b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator -(Var a, float b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator -(float a, Var b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator *(Var a, Var b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator *(Var a, float b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator *(float a, Var b) => throw new InvalidOperationException(NotExecutable);
        public static Var operator -(Var a) => throw new InvalidOperationException(NotExecutable);
        public static Var operator +(Var a) => throw new InvalidOperationException(NotExecutable);
    }

    /// <summary>Marks a partial class whose <c>static void Step(Var x, ref Var h, ...)</c> declares a recurrent cell.
    /// The generator adds the constructor, parameters, Forward and Backward.</summary>
    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class RnnCellAttribute : Attribute
    {
    }

    /// <summary>Marks the state that is the cell's output (by default the first <c>ref</c> parameter).</summary>
    [AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
    public sealed class OutputAttribute : Attribute
    {
    }
}
