using System.Collections;
using System.Reflection;
using CellDsl.Generator.Model;
using CellDsl.Generator.Parsing;
using CellDsl.Generator;
using CellDsl.Tests.Generator.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>
/// The pipeline's caching, observed through the driver's step tracking: edits that cannot change a cell must not
/// re-emit it, and the model that is cached must hold no Roslyn object (which would pin compilations in the IDE).
/// </summary>
public class IncrementalTests
{
    private const string SourceOutput = "SourceOutput";

    private const string Cell = """
        using CellDsl;
        using static CellDsl.CellOps;

        namespace Demo;

        [RnnCell]
        public partial class Gru
        {
            static void Step(Var x, ref Var h)
            {
                var r = Sigmoid(W(x) + W(h) + B());
                var z = Sigmoid(W(x) + W(h) + B());
                var n = Tanh(W(x) + W(r * h) + B());
                h = z * h + (1f - z) * n;
            }
        }

        public static class Helpers
        {
            public static int Twice(int v) => 2 * v;
        }
        """;

    private static (GeneratorRun First, GeneratorRun Second) RunTwice(string before, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), GeneratorHarness.CreateCompilation(new SourceFile("Cell.cs", before)));
        Assert.NotEmpty(first.Sources);
        var second = GeneratorHarness.Run(first.Driver, edit(first.Input));
        return (first, second);
    }

    private static Func<CSharpCompilation, CSharpCompilation> Replace(string oldText, string newText) => c =>
    {
        var tree = c.SyntaxTrees.Single(t => t.FilePath == "Cell.cs");
        string text = tree.GetText().ToString();
        Assert.Contains(oldText, text);
        return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(text.Replace(oldText, newText), GeneratorHarness.ParseOptions, "Cell.cs"));
    };

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRun run, string step)
    {
        if (step == SourceOutput) return OutputReasons(run, StepNames.Emit);
        Assert.True(run.Result.TrackedSteps.ContainsKey(step), $"step '{step}' was not tracked; tracked: {string.Join(", ", run.Result.TrackedSteps.Keys)}");
        return run.Result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
    }

    /// <summary>The reasons of the source output fed by <paramref name="fedBy"/>: both outputs (code and diagnostics)
    /// are tracked under the same name, and only their inputs tell them apart.</summary>
    private static IReadOnlyList<IncrementalStepRunReason> OutputReasons(GeneratorRun run, string fedBy)
        => run.Result.TrackedOutputSteps[SourceOutput]
            .Where(s => s.Inputs.Any(i => i.Source.Name == fedBy))
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    private static void AssertReused(GeneratorRun run, string step)
    {
        var reasons = Reasons(run, step);
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {string.Join(", ", reasons)}"));
    }

    private static void AssertSameOutput(GeneratorRun first, GeneratorRun second)
        => Assert.Equal(first.Sources, second.Sources);

    public static TheoryData<string> UnrelatedEdits() => new() { "new file", "method in another class", "member of the cell class", "comment in Step" };

    [Theory]
    [MemberData(nameof(UnrelatedEdits))]
    public void Unrelated_edit_reuses_the_model_and_the_output(string edit)
    {
        Func<CSharpCompilation, CSharpCompilation> change = edit switch
        {
            "new file" => c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo; class Unrelated { void M() { } }", GeneratorHarness.ParseOptions, "Other.cs")),
            "method in another class" => Replace("public static int Twice(int v) => 2 * v;", "public static int Twice(int v) => 2 * v;\n    public static int Thrice(int v) => 3 * v;"),
            "member of the cell class" => Replace("public partial class Gru\n{", "public partial class Gru\n{\n    public static string Describe() => \"a GRU\";\n"),
            _ => Replace("h = z * h", "// the GRU's update\n        h = z * h"),
        };
        var (first, second) = RunTwice(Cell, change);
        AssertReused(second, StepNames.Model);
        AssertReused(second, StepNames.HintNames);
        AssertReused(second, SourceOutput);
        AssertSameOutput(first, second);
        Assert.Empty(second.Diagnostics);
    }

    [Fact]
    public void Unrelated_file_reruns_the_parse_but_not_the_model()
    {
        // A new compilation re-runs the attribute transform for every cell (its semantic context changed); the result
        // compares equal, so nothing downstream runs at all.
        var (_, second) = RunTwice(Cell, c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Other { }", GeneratorHarness.ParseOptions, "Other.cs")));
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(second, StepNames.Parse));
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(second, StepNames.Model));
        Assert.Equal([IncrementalStepRunReason.Cached], Reasons(second, SourceOutput));
    }

    [Fact]
    public void Whitespace_edit_inside_the_cell_keeps_the_model()
    {
        var (first, second) = RunTwice(Cell, Replace("h = z * h + (1f - z) * n;", "h  =  z * h\n            + (1f - z) * n ;"));
        AssertReused(second, StepNames.Model);
        AssertReused(second, SourceOutput);
        AssertSameOutput(first, second);
    }

    [Fact]
    public void Whitespace_edit_moves_diagnostics_but_keeps_the_model()
    {
        // The warning's position is part of the parse result, so diagnostics are re-reported; the model is not.
        string withWarning = Cell.Replace("h = z * h", "var unused = Tanh(W(x));\n        h = z * h");
        var (first, second) = RunTwice(withWarning, Replace("var unused", "\n\n        var unused"));
        AssertReused(second, StepNames.Model);
        AssertReused(second, SourceOutput);
        AssertSameOutput(first, second);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, StepNames.Diagnostics));
        Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(second, StepNames.Diagnostics));
        var before = Assert.Single(first.Diagnostics);
        var after = Assert.Single(second.Diagnostics);
        Assert.Equal("CDSL0010", after.Id);
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 2, after.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void Equation_edit_changes_the_model_and_the_output()
    {
        var (first, second) = RunTwice(Cell, Replace("var z = Sigmoid(W(x) + W(h) + B());", "var z = Sigmoid(W(x) + W(h) + B(1f));"));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, StepNames.Model));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, SourceOutput));
        Assert.NotEqual(first.Sources.Single().Text, second.Sources.Single().Text);
        Assert.Contains("b_z\", global::CellDsl.ParamKind.Bias", second.Sources.Single().Text);
        Assert.Contains("InitKind.Constant, 1f)", second.Sources.Single().Text);
        AssertReused(second, StepNames.HintNames);
    }

    [Fact]
    public void Equation_edit_in_one_cell_re_emits_only_that_cell()
    {
        string two = Cell + """

            [RnnCell]
            public partial class Elman
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """;
        var (first, second) = RunTwice(two, Replace("h = Tanh(W(x) + W(h) + B());", "h = Relu(W(x) + W(h) + B());"));
        var reasons = Reasons(second, SourceOutput);
        Assert.Equal(2, reasons.Count);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Equal(first.Source("Gru"), second.Source("Gru"));
        Assert.NotEqual(first.Source("Elman"), second.Source("Elman"));
    }

    [Fact]
    public void Error_removes_the_output_and_fixing_it_brings_it_back()
    {
        var (first, broken) = RunTwice(Cell, Replace("h = z * h", "h = z / h"));
        Assert.Empty(broken.Sources);
        Assert.Equal("CDSL0006", Assert.Single(broken.Diagnostics).Id);
        var fixedRun = GeneratorHarness.Run(broken.Driver, GeneratorHarness.CreateCompilation(new SourceFile("Cell.cs", Cell)));
        Assert.Empty(fixedRun.Diagnostics);
        AssertSameOutput(first, fixedRun);
    }

    // ------------------------------------------------------------------ the cached model holds no Roslyn object

    private static readonly Type[] RoslynTypes =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxTree), typeof(SyntaxReference),
         typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(Diagnostic), typeof(AttributeData)];

    private static bool IsRoslyn(Type t)
        => RoslynTypes.Any(r => r.IsAssignableFrom(t)) || (t.Assembly.GetName().Name?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) ?? false);

    [Fact]
    public void Cached_values_reach_no_Roslyn_object()
    {
        var run = ZooSources.Run;
        var roots = new List<(object Value, string Path)>();
        foreach (var step in new[] { StepNames.Parse, StepNames.Model, StepNames.Diagnostics, StepNames.HintNames, StepNames.Emit })
            foreach (var (value, _) in run.Result.TrackedSteps[step].SelectMany(s => s.Outputs))
                roots.Add((value, step));
        // A cell with a diagnostic, so DiagnosticInfo is walked too.
        var warned = GeneratorHarness.Run("using CellDsl;\nusing static CellDsl.CellOps;\n[RnnCell] partial class C { static void Step(Var x, ref Var h) { var u = W(x); h = Tanh(W(h)); } }");
        roots.AddRange(warned.Result.TrackedSteps[StepNames.Parse].SelectMany(s => s.Outputs).Select(o => (o.Value, "warned")));

        Assert.Contains(roots, r => r.Value is CellModel);
        Assert.Contains(roots, r => r.Value is ParseResult p && p.Diagnostics.Count > 0);
        var (visited, found) = Walk(roots);
        Assert.True(found.Count == 0, "Roslyn objects reachable from cached values:\n" + string.Join("\n", found.Take(20)));
        // The walk must reach the graph's nodes through EquatableArray's private array, or it proves nothing.
        Assert.Contains(visited, t => t == typeof(CellDsl.Compiler.Graph.Node));
        Assert.Contains(visited, t => t == typeof(CellDsl.Generator.Diagnostics.DiagnosticInfo));
    }

    private static (HashSet<Type> Visited, List<string> Found) Walk(IEnumerable<(object Value, string Path)> roots)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var types = new HashSet<Type>();
        var found = new List<string>();
        var stack = new Stack<(object Value, string Path)>(roots);
        while (stack.Count > 0)
        {
            var (value, path) = stack.Pop();
            var t = value.GetType();
            types.Add(t);
            if (IsRoslyn(t)) { found.Add($"{path}: {t.FullName}"); continue; }
            if (t.IsPrimitive || t.IsEnum || value is string || !seen.Add(value)) continue;
            if (value is Array array)
            {
                int i = 0;
                foreach (var item in (IEnumerable)array) { if (item is not null) stack.Push((item, $"{path}[{i}]")); i++; }
                continue;
            }
            for (var type = t; type is not null && type != typeof(object); type = type.BaseType)
                foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    if (f.GetValue(value) is { } v) stack.Push((v, $"{path}.{f.Name}"));
        }
        return (types, found);
    }

    [Fact]
    public void Model_types_are_equatable_data_all_the_way_down()
    {
        // Statically, so a field added later is caught even before any test value fills it: every field type must be
        // data with value equality, never object, an interface or a Roslyn type.
        var problems = new List<string>();
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>([typeof(ParseResult), typeof(HintNameMap)]);
        while (queue.Count > 0)
        {
            var t = queue.Dequeue();
            if (!seen.Add(t)) continue;
            if (Nullable.GetUnderlyingType(t) is { } inner) { queue.Enqueue(inner); continue; }
            if (t.IsArray) { queue.Enqueue(t.GetElementType()!); continue; }
            if (t.IsPrimitive || t.IsEnum || t == typeof(string)) continue;
            if (IsRoslyn(t) || t == typeof(object) || t.IsInterface || t.IsAbstract) { problems.Add(t.FullName ?? t.Name); continue; }
            if (!typeof(IEquatable<>).MakeGenericType(t).IsAssignableFrom(t)) problems.Add($"{t.FullName} has no value equality");
            for (var type = t; type is not null && type != typeof(object); type = type.BaseType)
                foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    queue.Enqueue(f.FieldType);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains(typeof(CellDsl.Compiler.Graph.Node), seen);
    }
}
