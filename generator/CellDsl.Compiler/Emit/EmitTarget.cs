namespace CellDsl.Compiler.Emit
{
    /// <summary>A type that encloses the cell class (the generated part must repeat it).</summary>
    public sealed record ContainingType(string Keyword, string Name);

    /// <summary>Where the generated partial class goes.</summary>
    public sealed record EmitTarget(string? Namespace, EquatableArray<ContainingType> ContainingTypes, string ClassName)
    {
        public static EmitTarget Of(string? @namespace, string className)
            => new EmitTarget(@namespace, EquatableArray<ContainingType>.Empty, className);
    }
}
