namespace CellDsl
{
    /// <summary>What a parameter tensor is. The generated code names these runtime types only, so compiling a cell
    /// needs the runtime and nothing of the compiler.</summary>
    public enum ParamKind
    {
        /// <summary>[hidden, dim(v)] matrix, row-major.</summary>
        Dense,
        /// <summary>[hidden] vector added elementwise.</summary>
        Bias,
        /// <summary>[hidden] vector multiplied elementwise (peephole).</summary>
        Diag,
    }

    /// <summary>How a parameter tensor is initialised (<see cref="RecurrentCell.Initialize"/>).</summary>
    public enum InitKind
    {
        /// <summary>U(-1/sqrt(H), 1/sqrt(H)), as PyTorch initialises its recurrent layers.</summary>
        Uniform,
        /// <summary>A constant (<see cref="ParameterInfo.InitValue"/>): biases.</summary>
        Constant,
        /// <summary>Small uniform noise U(-0.01, 0.01) plus <see cref="ParameterInfo.InitValue"/> on the diagonal: Jozefowicz et al.'s Linear(a, x).</summary>
        SmallPlusDiagonal,
    }

    /// <summary>One named parameter tensor inside the flat parameter vector: Rows × Columns floats at Offset.</summary>
    public sealed record ParameterInfo(string Name, ParamKind Kind, int Offset, int Rows, int Columns, InitKind Init, float InitValue)
    {
        public int Length => Rows * Columns;
    }
}
