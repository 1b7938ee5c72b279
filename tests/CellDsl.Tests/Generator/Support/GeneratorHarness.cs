using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
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
/// the CellDsl runtime), and compiles its output to an in-memory assembly.
/// </summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> ReferencesLazy = new(LoadReferences);

    /// <summary>The framework's assemblies and the runtime (CellDsl.dll): generated code names runtime types only, so the
    /// compiler core (CellDsl.Compiler.dll) is not among them.</summary>
    public static ImmutableArray<MetadataReference> References => ReferencesLazy.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The shared framework is the folder of System.Private.CoreLib; the trusted-platform list also holds the test's
        // own dependencies (xunit, Roslyn), which user code must not see.
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => string.Equals(Path.GetDirectoryName(p), framework, StringComparison.Ordinal))
            .ToList();
        paths.Add(typeof(CellDsl.RecurrentCell).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    // Compilations derived from one empty compilation share its bound references; creating each from scratch would
    // re-read the framework's metadata every time (most of the fuzz test's run time).
    private static readonly Lazy<CSharpCompilation> Empty = new(() => CSharpCompilation.Create("CellDsl.UserCells",
        syntaxTrees: null,
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            // Every warning wave: generated code is held to the strictest level a user may pick.
            warningLevel: 9999,
            // Users rarely document their cells; this is their choice, not the generator's.
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress },
            deterministic: true)));

    public static CSharpCompilation CreateCompilation(params SourceFile[] sources)
        => Empty.Value.AddSyntaxTrees(sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path, Encoding.UTF8)));

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
    public static LoadedCells CompileAndLoad(GeneratorRun run)
    {
        if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            throw new GeneratedCodeException(Describe(run, run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList()));
        AssertCompiles(run);
        using var pe = new MemoryStream();
        var emit = run.Output.Emit(pe);
        if (!emit.Success) throw new GeneratedCodeException(Describe(run, emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList()));
        pe.Position = 0;
        var context = new CollectibleContext();
        return new LoadedCells(context, context.LoadFromStream(pe));
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

    public static string WithLineNumbers(string title, string text)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"---- {title}");
        var lines = Snapshot.Normalize(text).Split('\n');
        for (int i = 0; i < lines.Length; i++) sb.AppendLine($"{i + 1,5}: {lines[i]}");
        return sb.ToString();
    }

    private sealed class CollectibleContext() : AssemblyLoadContext("CellDsl.UserCells", isCollectible: true)
    {
        // Null defers to the default context, so CellDsl.dll (and IRecurrentCell) is shared with the tests.
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }
}

/// <summary>Generated code that does not compile; the message carries the sources with line numbers.</summary>
public sealed class GeneratedCodeException(string message) : Exception(message);

/// <summary>An in-memory assembly of generated cells; disposing unloads it.</summary>
public sealed class LoadedCells(AssemblyLoadContext context, Assembly assembly) : IDisposable
{
    public Assembly Assembly { get; } = assembly;

    public Type Type(string fullName)
        => Assembly.GetType(fullName, throwOnError: false)
           ?? throw new InvalidOperationException($"Type '{fullName}' is not in the compiled assembly: {string.Join(", ", Assembly.GetTypes().Select(t => t.FullName))}");

    /// <summary>Constructs the generated cell through its public (inputSize, hiddenSize, seed) constructor.</summary>
    public IRecurrentCell Create(string fullName, int inputSize, int hiddenSize, int seed)
        => (IRecurrentCell)Activator.CreateInstance(Type(fullName), inputSize, hiddenSize, seed)!;

    public void Dispose() => context.Unload();
}
