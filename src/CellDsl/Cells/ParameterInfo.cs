using CellDsl.Compiler.Graph;

namespace CellDsl
{
    /// <summary>One named parameter tensor inside the flat parameter vector: Rows × Columns floats at Offset.</summary>
    public sealed record ParameterInfo(string Name, ParamKind Kind, int Offset, int Rows, int Columns, InitKind Init, float InitValue)
    {
        public int Length => Rows * Columns;
    }
}
