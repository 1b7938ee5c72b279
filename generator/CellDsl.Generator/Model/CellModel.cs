using CellDsl.Compiler;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.Generator.Diagnostics;

namespace CellDsl.Generator.Model
{
    /// <summary>What the generator emits for one cell: where the class is, and its graph. Equatable, so unchanged
    /// cells are not re-emitted.</summary>
    public sealed record CellModel(EmitTarget Target, CellGraph Graph);

    /// <summary>The parse of one [RnnCell] class: a model when there is no error, and every diagnostic.</summary>
    public sealed record ParseResult(CellModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
}
