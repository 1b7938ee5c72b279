using CellDsl.Generator.Parsing;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CellDsl.Tests.Generator.Support;

/// <summary>The zoo's declarations as the build sees them: the files in src/CellDsl/Zoo, read from the source tree.</summary>
public static class ZooSources
{
    private static readonly Lazy<IReadOnlyList<SourceFile>> FilesLazy =
        new(() => RepoPaths.ZooDeclarationFiles().Select(f => new SourceFile(f.Path, f.Text)).ToList());

    private static readonly Lazy<GeneratorRun> RunLazy = new(() => GeneratorHarness.Run(Files.ToArray()));

    public static IReadOnlyList<SourceFile> Files => FilesLazy.Value;

    /// <summary>One generator run over all zoo files, shared by the tests that only read it.</summary>
    public static GeneratorRun Run => RunLazy.Value;

    /// <summary>Every [RnnCell] class of the zoo files, by class name.</summary>
    public static IReadOnlyList<ClassDeclarationSyntax> Cells()
        => Files.SelectMany(f => CSharpSyntaxTree.ParseText(f.Text, GeneratorHarness.ParseOptions, f.Path).GetRoot()
                .DescendantNodes().OfType<ClassDeclarationSyntax>().Where(CellParser.HasRnnCellAttribute))
            .OrderBy(c => c.Identifier.ValueText, StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<string> CellNames() => Cells().Select(c => c.Identifier.ValueText).ToList();

    /// <summary>One zoo cell's class alone, with the usings and namespace of its file, as a self-contained source.</summary>
    public static string StandaloneSource(ClassDeclarationSyntax cell)
    {
        var unit = (CompilationUnitSyntax)cell.SyntaxTree.GetRoot();
        string usings = string.Concat(unit.Usings.Select(u => u.ToFullString()));
        string ns = cell.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString() ?? "";
        string body = cell.ToFullString();
        return ns.Length == 0 ? usings + "\n" + body : $"{usings}\nnamespace {ns}\n{{\n{body}}}\n";
    }
}
