using System.Linq;
using CellDsl.Compiler;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CellDsl.Generator.Diagnostics
{
    /// <summary>A diagnostic as plain equatable data (Roslyn's Diagnostic and Location are not safe to cache).</summary>
    public sealed record DiagnosticInfo(string Id, EquatableArray<string> Args, string? FilePath, int Start, int Length,
        int StartLine, int StartColumn, int EndLine, int EndColumn)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor d, Location? location, params string[] args)
        {
            if (location is null || !location.IsInSource)
                return new DiagnosticInfo(d.Id, args.ToEquatableArray(), null, 0, 0, 0, 0, 0, 0);
            var span = location.GetLineSpan();
            return new DiagnosticInfo(d.Id, args.ToEquatableArray(), span.Path, location.SourceSpan.Start, location.SourceSpan.Length,
                span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
        }

        public DiagnosticDescriptor Descriptor => DiagnosticDescriptors.ById(Id) ?? DiagnosticDescriptors.InternalError;

        public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

        public Location ToLocation()
            => FilePath is null ? Location.None
               : Location.Create(FilePath, new TextSpan(Start, Length), new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));

        public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, ToLocation(), Args.Cast<object>().ToArray());

        /// <summary>"CDSL0007 (5,9): State 'c' is never assigned ...", for tools that print without Roslyn.</summary>
        public override string ToString()
            => $"{Id} ({StartLine + 1},{StartColumn + 1}): {string.Format(Descriptor.MessageFormat.ToString(), Args.Cast<object>().ToArray())}";
    }
}
