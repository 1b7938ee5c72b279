using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler;
using CellDsl.Generator.Diagnostics;
using CellDsl.Generator.Model;
using CellDsl.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CellDsl.Generator
{
    /// <summary>Tracking names of the pipeline's steps, for incremental-caching tests.</summary>
    public static class StepNames
    {
        public const string Parse = "CellDsl.Parse";
        public const string Model = "CellDsl.Model";
        public const string Diagnostics = "CellDsl.Diagnostics";
        public const string HintNames = "CellDsl.HintNames";
        public const string Emit = "CellDsl.Emit";
    }

    /// <summary>
    /// The incremental generator: [RnnCell] class → parse (syntax only) → equatable model → emitted partial class.
    /// Diagnostics travel in their own output so that position-only edits re-report them without re-emitting code.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class CellGenerator : IIncrementalGenerator
    {
        public const string AttributeName = "CellDsl.RnnCellAttribute";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(AttributeName,
                    // Every type, not only classes: a record or struct marked [RnnCell] gets an error, not silence.
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (ctx, ct) => CellParser.Parse((TypeDeclarationSyntax)ctx.TargetNode, ct))
                .WithTrackingName(StepNames.Parse);

            context.RegisterSourceOutput(parsed.Select(static (r, _) => r.Diagnostics).WithTrackingName(StepNames.Diagnostics),
                static (spc, diagnostics) =>
                {
                    foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
                });

            var models = parsed.Select(static (r, _) => r.Model).Where(static m => m is not null).Select(static (m, _) => m!)
                .WithTrackingName(StepNames.Model);

            // Hint names must be unique within the generator, compared ignoring case, so they depend on all cells: two
            // cells named Gru and GRU, or Outer<T>.A and Outer_T_.A, would otherwise fail the whole generator. The map
            // is equatable, so it changes (and re-emits every cell) only when cells are added, removed or renamed.
            var hintNames = models.Select(static (m, _) => m.Target).Collect()
                .Select(static (targets, _) => HintNameMap.Create(targets))
                .WithTrackingName(StepNames.HintNames);

            context.RegisterSourceOutput(models.Combine(hintNames).WithTrackingName(StepNames.Emit), static (spc, pair) =>
            {
                var (model, names) = pair;
                // A class declared as a cell twice (two [RnnCell] parts) is a compiler error already (CS0579).
                if (names.For(model.Target) is not { } hintName) return;
                string source;
                try
                {
                    source = CellEmitter.Emit(model.Graph, model.Target);
                }
                catch (Exception e)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, model.Target.ClassName, CellParser.Describe(e)));
                    return;
                }
                spc.AddSource(hintName, source);
            });
        }

        /// <summary>The readable hint name, "Namespace.Outer.Cell.g.cs"; <see cref="HintNameMap"/> makes it unique.</summary>
        public static string HintName(EmitTarget target)
        {
            var parts = new[] { target.Namespace }
                .Concat(target.ContainingTypes.Select(c => c.Name))
                .Concat(new[] { target.ClassName })
                .Where(p => !string.IsNullOrEmpty(p))
                .Select(p => new string(p!.Select(ch => char.IsLetterOrDigit(ch) || ch == '.' ? ch : '_').ToArray()));
            return string.Join(".", parts) + ".g.cs";
        }
    }

    /// <summary>One cell's hint name, or null when its class is declared as a cell more than once.</summary>
    public sealed record HintNameEntry(EmitTarget Target, string? HintName);

    /// <summary>
    /// Hint names for all cells of a compilation. A name shared (ignoring case) by several cells gets a suffix hashed
    /// from each cell's exact full name, so it stays the same whatever the order the cells are found in.
    /// </summary>
    public sealed record HintNameMap(EquatableArray<HintNameEntry> Entries)
    {
        public static HintNameMap Create(ImmutableArray<EmitTarget> targets)
        {
            var entries = targets
                .GroupBy(CellGenerator.HintName, StringComparer.OrdinalIgnoreCase)
                .SelectMany(g => g.Select(t =>
                {
                    if (g.Count(u => u.Equals(t)) > 1) return new HintNameEntry(t, null);
                    string name = CellGenerator.HintName(t);
                    return new HintNameEntry(t, g.Count() == 1 ? name : name.Substring(0, name.Length - ".g.cs".Length) + "." + Fnv(FullName(t)) + ".g.cs");
                }))
                .Distinct()
                .OrderBy(e => e.HintName, StringComparer.Ordinal)
                .ThenBy(e => FullName(e.Target), StringComparer.Ordinal);
            return new HintNameMap(entries.ToEquatableArray());
        }

        public string? For(EmitTarget target) => Entries.FirstOrDefault(e => e.Target.Equals(target))?.HintName;

        private static string FullName(EmitTarget t)
            => string.Join("|", new[] { t.Namespace ?? "" }.Concat(t.ContainingTypes.Select(c => c.Keyword + " " + c.Name)).Concat(new[] { t.ClassName }));

        private static string Fnv(string s)
        {
            uint h = 2166136261;
            foreach (char c in s) { h ^= c; h *= 16777619; }
            return h.ToString("x8", CultureInfo.InvariantCulture);
        }
    }
}
