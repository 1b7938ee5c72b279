using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CellDsl.RuntimeCompilation
{
    /// <summary>One cell to compile: its graph and where its class goes (namespace, name).</summary>
    public sealed record CellSource(CellGraph Graph, EmitTarget Target)
    {
        public string FullName => Target.Namespace is null ? Target.ClassName : Target.Namespace + "." + Target.ClassName;
    }

    /// <summary>
    /// Compiles cells at run time: emits each graph's class (<see cref="CellEmitter"/>), compiles them all in one
    /// in-memory assembly (one compilation costs far more than one cell) and loads it into a collectible context, so
    /// a search can compile thousands of candidates without keeping them. Generated code names runtime types only:
    /// the compilation references the framework and CellDsl.dll, nothing of the compiler.
    /// </summary>
    public static class CellCompiler
    {
        public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

        private static readonly Lazy<ImmutableArray<MetadataReference>> ReferencesLazy = new Lazy<ImmutableArray<MetadataReference>>(LoadReferences);

        /// <summary>The shared framework's assemblies and the runtime (CellDsl.dll).</summary>
        public static ImmutableArray<MetadataReference> References => ReferencesLazy.Value;

        /// <summary>Options generated code is held to: every warning wave, nullable annotations, deterministic output.
        /// Missing XML comments (CS1591) are the user's choice and stay quiet.</summary>
        public static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 9999,
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress },
            deterministic: true);

        // Compilations derived from one empty compilation share its bound references; creating each from scratch
        // re-reads the framework's metadata every time (and so does renaming one), hence one per assembly name.
        private static readonly ConcurrentDictionary<string, CSharpCompilation> Empty = new ConcurrentDictionary<string, CSharpCompilation>(StringComparer.Ordinal);

        private static ImmutableArray<MetadataReference> LoadReferences()
        {
            // The shared framework is the folder of System.Private.CoreLib; the trusted-platform list also holds the
            // host's own dependencies (Roslyn, test frameworks), which cell code must not see.
            string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
                .Split(Path.PathSeparator)
                .Where(p => p.Length > 0 && string.Equals(Path.GetDirectoryName(p), framework, StringComparison.Ordinal))
                .ToList();
            paths.Add(typeof(RecurrentCell).Assembly.Location);
            return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        }

        /// <summary>An empty compilation with <see cref="References"/> and <see cref="Options"/>, plus the given trees.</summary>
        public static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees, string assemblyName = "CellDsl.Cells")
            => Empty.GetOrAdd(assemblyName, name => CSharpCompilation.Create(name, syntaxTrees: null, References, Options)).AddSyntaxTrees(trees);

        /// <summary>Emits, compiles and loads the cells in one assembly. Each graph must pass
        /// <see cref="GraphAnalysis.Validate"/> and each full class name be unique.</summary>
        public static CompiledCells Compile(IEnumerable<CellSource> cells)
        {
            if (cells is null) throw new ArgumentNullException(nameof(cells));
            var list = cells.ToList();
            if (list.Count == 0) throw new ArgumentException("there are no cells to compile", nameof(cells));
            var twice = list.GroupBy(c => c.FullName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (twice.Count > 0) throw new ArgumentException($"each cell needs its own class name; given more than once: {string.Join(", ", twice)}", nameof(cells));
            var trees = new List<SyntaxTree>(list.Count);
            foreach (var c in list)
            {
                // The emitter escapes a class named like a keyword (@class), not the parts of a namespace.
                if (!SyntaxFacts.IsValidIdentifier(c.Target.ClassName) || c.Target.ContainingTypes.Count > 0
                    || (c.Target.Namespace is { } ns && ns.Split('.').Any(part => !SyntaxFacts.IsValidIdentifier(part) || SyntaxFacts.GetKeywordKind(part) != SyntaxKind.None)))
                    throw new ArgumentException($"'{c.FullName}' is not a valid class name for a compiled cell (a namespace of identifiers, not keywords, and an identifier; no containing types)", nameof(cells));
                var errors = GraphAnalysis.Validate(c.Graph);
                if (errors.Count > 0) throw new ArgumentException($"cell '{c.FullName}' is not a well-formed graph: {string.Join("; ", errors)}", nameof(cells));
                string path = c.FullName + ".g.cs";
                trees.Add(CSharpSyntaxTree.ParseText(CellEmitter.Emit(c.Graph, c.Target), ParseOptions, path, Encoding.UTF8));
            }
            return Load(CreateCompilation(trees));
        }

        /// <summary>Compiles <paramref name="compilation"/> (its warnings count as errors unless
        /// <paramref name="warningsAsErrors"/> is false) and loads it into a collectible context.</summary>
        public static CompiledCells Load(Compilation compilation, bool warningsAsErrors = true)
        {
            var problems = Problems(compilation, warningsAsErrors);
            if (problems.Count > 0) throw new CellCompilationException(compilation, problems);
            using var pe = new MemoryStream();
            var emit = compilation.Emit(pe);
            if (!emit.Success) throw new CellCompilationException(compilation, emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList());
            pe.Position = 0;
            var context = new CollectibleContext(compilation.AssemblyName ?? "CellDsl.Cells");
            return new CompiledCells(context, context.LoadFromStream(pe));
        }

        /// <summary>The compilation's errors, and its warnings too when they count.</summary>
        public static IReadOnlyList<Diagnostic> Problems(Compilation compilation, bool warningsAsErrors = true)
            => compilation.GetDiagnostics()
                .Where(d => !d.IsSuppressed && (d.Severity == DiagnosticSeverity.Error || (warningsAsErrors && d.Severity == DiagnosticSeverity.Warning)))
                .ToList();

        /// <summary>Source text with numbered lines, for messages about it.</summary>
        public static string WithLineNumbers(string title, string text)
        {
            var sb = new StringBuilder();
            sb.Append("---- ").Append(title).Append('\n');
            var lines = text.Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++) sb.Append((i + 1).ToString().PadLeft(5)).Append(": ").Append(lines[i]).Append('\n');
            return sb.ToString();
        }

        private sealed class CollectibleContext : AssemblyLoadContext
        {
            public CollectibleContext(string name) : base(name, isCollectible: true) { }

            // Null defers to the default context, so CellDsl.dll (and IRecurrentCell) is shared with the caller.
            protected override Assembly? Load(AssemblyName assemblyName) => null;
        }
    }

    /// <summary>Cell code that does not compile; the message lists the problems and the sources with line numbers.</summary>
    public sealed class CellCompilationException : Exception
    {
        public CellCompilationException(Compilation compilation, IReadOnlyList<Diagnostic> problems) : base(Describe(compilation, problems))
            => Problems = problems;

        public IReadOnlyList<Diagnostic> Problems { get; }

        private static string Describe(Compilation compilation, IReadOnlyList<Diagnostic> problems)
        {
            var sb = new StringBuilder();
            sb.Append($"The cells do not compile cleanly ({problems.Count} problem(s)):\n");
            foreach (var d in problems) sb.Append("  ").Append(d).Append('\n');
            var files = new HashSet<SyntaxTree>(problems.Select(d => d.Location.SourceTree).Where(t => t is not null)!);
            foreach (var t in compilation.SyntaxTrees.Where(files.Contains)) sb.Append(CellCompiler.WithLineNumbers(t.FilePath, t.ToString()));
            return sb.ToString();
        }
    }

    /// <summary>An in-memory assembly of compiled cells; disposing unloads it once nothing holds its types.</summary>
    public sealed class CompiledCells : IDisposable
    {
        private readonly AssemblyLoadContext _context;

        internal CompiledCells(AssemblyLoadContext context, Assembly assembly)
        {
            _context = context;
            Assembly = assembly;
        }

        public Assembly Assembly { get; }

        public Type Type(string fullName)
            => Assembly.GetType(fullName, throwOnError: false)
               ?? throw new ArgumentException($"Type '{fullName}' is not in the compiled assembly; it has: {string.Join(", ", Assembly.GetTypes().Where(t => !t.IsNested).Select(t => t.FullName))}.", nameof(fullName));

        /// <summary>Constructs a cell through its generated (inputSize, hiddenSize, seed) constructor.</summary>
        public IRecurrentCell Create(string fullName, int inputSize, int hiddenSize, int seed)
        {
            var type = Type(fullName);
            if (!typeof(IRecurrentCell).IsAssignableFrom(type)) throw new ArgumentException($"'{fullName}' is not a cell", nameof(fullName));
            try
            {
                return (IRecurrentCell)Activator.CreateInstance(type, inputSize, hiddenSize, seed)!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // The constructor's own argument checks (sizes, I == H) are the caller's error to read, not reflection's.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        public void Dispose() => _context.Unload();
    }
}
