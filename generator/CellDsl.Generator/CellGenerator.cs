using System;
using System.Linq;
using CellDsl.Compiler.Emit;
using CellDsl.Generator.Diagnostics;
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
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => CellParser.Parse((ClassDeclarationSyntax)ctx.TargetNode, ct))
                .WithTrackingName(StepNames.Parse);

            context.RegisterSourceOutput(parsed.Select(static (r, _) => r.Diagnostics).WithTrackingName(StepNames.Diagnostics),
                static (spc, diagnostics) =>
                {
                    foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
                });

            var models = parsed.Select(static (r, _) => r.Model).Where(static m => m is not null).Select(static (m, _) => m!)
                .WithTrackingName(StepNames.Model);

            context.RegisterSourceOutput(models, static (spc, model) =>
            {
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
                spc.AddSource(HintName(model), source);
            });
        }

        public static string HintName(CellModel model)
        {
            var parts = new[] { model.Target.Namespace }
                .Concat(model.Target.ContainingTypes.Select(c => c.Name))
                .Concat(new[] { model.Target.ClassName })
                .Where(p => !string.IsNullOrEmpty(p))
                .Select(p => new string(p!.Select(ch => char.IsLetterOrDigit(ch) || ch == '.' ? ch : '_').ToArray()));
            return string.Join(".", parts) + ".g.cs";
        }
    }
}
