using System.Collections.Immutable;
using System.Text;
using CellDsl.RuntimeCompilation;
using CellDsl.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CellDsl.Tests.Generator.Support;

/// <summary>One source file of a test compilation.</summary>
public sealed record SourceFile(string Path, string Text)
{
    public static implicit operator SourceFile(string text) => new("Cell.cs", text);
}

/// <summary>One file the generator added.</summary>
public sealed record GeneratedFile(string HintName, string Text);

/// <summary>What a generator run produced, with everything needed to run it again incrementally or compile it.</summary>
public sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriver Driver,
    GeneratorRunResult Result,
    IReadOnlyList<GeneratedFile> Sources,
    IReadOnlyList<Diagnostic> Diagnostics,
    IReadOnlyList<Diagnostic> DriverDiagnostics)
{
    /// <summary>What the compiler would print if the generator threw: CS8785, "generator failed to generate source".</summary>
    public bool GeneratorFailed => Result.Exception is not null || DriverDiagnostics.Any(d => d.Id == "CS8785");

    /// <summary>The generated file whose hint name ends with "<paramref name="className"/>.g.cs".</summary>
    public GeneratedFile Source(string className)
        => Sources.SingleOrDefault(s => s.HintName == className + ".g.cs" || s.HintName.EndsWith("." + className + ".g.cs", StringComparison.Ordinal))
           ?? throw new InvalidOperationException($"No generated source for '{className}'. Generated: {string.Join(", ", Sources.Select(s => s.HintName))}.");
}

/// <summary>
/// Runs <see cref="CellGenerator"/> the way the compiler does (a CSharpGeneratorDriver over a compilation that references
/// the CellDsl runtime), and compiles its output with the runtime's compile-and-load service (<see cref="CellCompiler"/>).
/// </summary>
public static class GeneratorHarness
{
    public static CSharpParseOptions ParseOptions => CellCompiler.ParseOptions;

    /// <summary>The framework's assemblies and the runtime (CellDsl.dll): generated code names runtime types only, so the
    /// compiler core (CellDsl.Compiler.dll) is not among them.</summary>
    public static ImmutableArray<MetadataReference> References => CellCompiler.References;

    public static CSharpCompilation CreateCompilation(params SourceFile[] sources)
        => CellCompiler.CreateCompilation(sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path, Encoding.UTF8)), "CellDsl.UserCells");

    public static GeneratorDriver CreateDriver(bool trackSteps = true)
        => CSharpGeneratorDriver.Create(
            new[] { new CellGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorRun Run(params SourceFile[] sources) => Run(CreateDriver(), CreateCompilation(sources));

    /// <summary>Runs (or re-runs, when <paramref name="driver"/> has run before) the generator over <paramref name="input"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, CSharpCompilation input)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out var driverDiagnostics);
        var result = driver.GetRunResult().Results.Single();
        var sources = result.GeneratedSources
            .Select(s => new GeneratedFile(s.HintName, s.SourceText.ToString()))
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .ToList();
        return new GeneratorRun(input, output, driver, result, sources, result.Diagnostics, driverDiagnostics);
    }

    /// <summary>
    /// The compiler's errors, and its warnings (which count as errors here): all of them, or with
    /// <paramref name="generatedOnly"/> those in generated files, for user code that may warn on its own.
    /// </summary>
    public static IReadOnlyList<Diagnostic> CompilationProblems(GeneratorRun run, bool generatedOnly = false)
    {
        var generated = run.Output.SyntaxTrees.Except(run.Input.SyntaxTrees).ToHashSet();
        return run.Output.GetDiagnostics()
            .Where(d => !d.IsSuppressed)
            .Where(d => d.Severity == DiagnosticSeverity.Error ||
                        (d.Severity == DiagnosticSeverity.Warning && (!generatedOnly || (d.Location.SourceTree is { } t && generated.Contains(t)))))
            .ToList();
    }

    /// <summary>Fails, showing the diagnostics and every generated file with line numbers, unless the output compiles cleanly.</summary>
    public static void AssertCompiles(GeneratorRun run, bool generatedOnly = false)
    {
        var problems = CompilationProblems(run, generatedOnly);
        if (problems.Count > 0) throw new GeneratedCodeException(Describe(run, problems));
    }

    /// <summary>Compiles the generator's output (warnings as errors) and loads it into a collectible context.</summary>
    public static CompiledCells CompileAndLoad(GeneratorRun run)
    {
        if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            throw new GeneratedCodeException(Describe(run, run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList()));
        AssertCompiles(run);
        return CellCompiler.Load(run.Output);
    }

    public static string Describe(GeneratorRun run, IReadOnlyList<Diagnostic> problems)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"The cells do not compile cleanly ({problems.Count} problem(s)):");
        foreach (var d in problems) sb.AppendLine("  " + d);
        if (run.Diagnostics.Count > 0)
        {
            sb.AppendLine("Generator diagnostics:");
            foreach (var d in run.Diagnostics) sb.AppendLine("  " + d);
        }
        foreach (var f in run.Sources) sb.Append(WithLineNumbers(f.HintName, f.Text));
        return sb.ToString();
    }

    public static string WithLineNumbers(string title, string text) => CellCompiler.WithLineNumbers(title, Snapshot.Normalize(text).TrimEnd('\n'));
}

/// <summary>Generated code that does not compile; the message carries the sources with line numbers.</summary>
public sealed class GeneratedCodeException(string message) : Exception(message);
