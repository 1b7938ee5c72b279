using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CellDsl.Generator.Parsing;
using CellDsl.Tests.Generator.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Generator;

/// <summary>
/// The generator never throws, whatever the user writes. Deterministic text mutations of real declarations (tokens
/// deleted, duplicated, swapped, junk inserted, truncation), and the structural C# constructs a user may put on or
/// around a cell, go through the generator as the compiler runs it; no exception may escape, the driver must not
/// report a generator failure (CS8785), every diagnostic must be a CDSL one and none an internal error, no [RnnCell]
/// may be ignored without an error, and code generated for a declaration that parses must compile.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int Seed = 1_000_003;
    private const int Cases = 3000;
    private const int CompileSamples = 16;

    private static readonly string[] Junk =
    [
        "if (", "for", ";", "ref", "x.Foo", "\"name\"", "1/0", "new Var()", "{", "}", "(", ")", "[", "]", "<", ">",
        "[Output]", "[RnnCell]", "static", "partial", "public", "var", "Var", "float", "W(", "B(1f)", "B(", "P(c)", "P(",
        "Linear(", "Linear(2f, h)", "Sigmoid(", "Tanh(", "Relu(", "=", "+=", "-=", "*=", "/=", "==", "*", "-", "+", "/",
        ",", "\"\"", "\"1x\"", "\"W\"", "name:", "v:", "init:", "@", "@class", "#if X", "#endif", "#region", "/*", "*/",
        "//", "\n", "default", "null", "x", "h", "c", "=>", "<T>", ": Base", "return;", "return", "1e38f * 1e38f", "1e39f",
        "0f", "-1f", "0.5f", "1", "1.5m", "2d", "0x10", "'c'", "float.NaN", "out", "in", "this", "await", "goto L;", "L:",
        "unsafe", "int*", "stackalloc", "$\"{x}\"", "\"\\u0000\"", "nameof(x)", "CellOps.", "global::", "::", "?", "??",
        "!", "~", "&&", "=>", "x => x", "delegate", "new()", "Step", "Step(Var x, ref Var h)", "void", "class", "struct",
        "record", "namespace N;", "using static CellDsl.CellOps;", "h = h;", "h = x;", "var h = x;", "c = B();",
    ];

    private const string CharPool = "abcxyzhW_019 \t\n;,.(){}[]<>=+-*/%!?:\"'@#$\\&|^~\u00e9\u03bb\u200b\u0301\u2028\ufeff";

    private const string Usings = "using CellDsl;\nusing static CellDsl.CellOps;\n\n";

    private static readonly string[] CustomBases =
    [
        Usings + """
        namespace User;

        [RnnCell]
        public partial class Mixed
        {
            static void Step(Var x, ref Var c, [Output] ref Var h)
            {
                var i = Sigmoid(W(x, "Wxi") + W(h) + P(c) + B());
                var f = Sigmoid(Linear(1.1f, h) + W(x) + B(init: 1f));
                var g = Relu(W(x) - W(h) + B(0.25f, "bg"));
                c = f * c + i * g;
                var o = -Sigmoid(W(x) + W(c) + B()) * 0.5f + 1f;
                h = o * Tanh(c) + 0.1f * h;
            }
        }
        """,
        Usings + """
        namespace User
        {
            public static partial class Outer
            {
                // Compound assignments and a state read after assignment.
                [CellDsl.RnnCell]
                internal partial class Compound
                {
                    private static void Step(Var input, ref Var h, ref Var m)
                    {
                        var a = W(input);
                        a += W(h);
                        a *= Sigmoid(W(input) + B(-1f));
                        m = Tanh(a) - -m * 0.5f;
                        h = CellOps.Tanh(W(m) + P(h) + B());
                    }
                }
            }
        }
        """,
        Usings + """
        [RnnCell]
        partial class Minimal { static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); } }

        [RnnCell]
        partial class Second { static void Step(Var x, ref Var h) { h = Relu(Linear(1f, x) + Linear(1f, h, "L")); } }
        """,
    ];

    // Each zoo cell alone, the zoo files whole (several cells per file, so renames can make two cells collide), and
    // declarations with the shapes the zoo lacks.
    private static IReadOnlyList<(string Name, string Text)> Bases()
        => ZooSources.Cells().Select(c => ("zoo:" + c.Identifier.ValueText, ZooSources.StandaloneSource(c)))
            .Concat(ZooSources.Files.Select(f => ("file:" + Path.GetFileName(f.Path), f.Text)))
            .Concat(CustomBases.Select((t, i) => ("custom:" + i, t)))
            .ToList();

    [Fact]
    public void Generator_never_throws_on_mutated_declarations()
    {
        var bases = Bases();
        var failures = new List<string>();
        var clean = new List<(int Case, string Text, GeneratorRun Run)>();
        var ids = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int generated = 0;
        var clock = Stopwatch.StartNew();

        for (int n = 0; n < Cases; n++)
        {
            var (baseName, baseText) = bases[n % bases.Count];
            var rng = new Random(Seed + n);
            var applied = new List<string>();
            string text = Mutate(baseText, rng, applied);
            string where = $"case {n} ({baseName}; {string.Join(", ", applied)})";
            try
            {
                // A fresh driver per case, so no case depends on what an earlier one left in the driver's tables.
                var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(trackSteps: false), GeneratorHarness.CreateCompilation(new SourceFile("Cell.cs", text)));

                var problems = new List<string>();
                if (run.GeneratorFailed)
                    problems.Add("generator failed: " + (run.Result.Exception?.ToString() ?? string.Join("; ", run.DriverDiagnostics.Where(d => d.Id == "CS8785"))));
                problems.AddRange(run.Diagnostics.Where(d => !d.Id.StartsWith("CDSL", StringComparison.Ordinal) || d.Id == "CDSL0099").Select(d => "diagnostic: " + d));

                // Tools parse without a compilation; the same text must be as safe there (every third case: it is
                // the same parser behind a different front door).
                if (n % 3 == 0 && CellParser.ParseSource(text) is { } parsed)
                    problems.AddRange(parsed.Diagnostics.Where(d => d.Id == "CDSL0099").Select(d => "ParseSource: " + d));

                if (problems.Count > 0) failures.Add(where + "\n  " + string.Join("\n  ", problems) + "\n" + GeneratorHarness.WithLineNumbers("source", text));
                foreach (var d in run.Diagnostics) ids[d.Id] = ids.GetValueOrDefault(d.Id) + 1;
                if (run.Sources.Count > 0)
                {
                    generated++;
                    if (!run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) clean.Add((n, text, run));
                }
            }
            catch (Exception e)
            {
                failures.Add($"{where}\n  escaped: {e}\n" + GeneratorHarness.WithLineNumbers("source", text));
            }
        }
        var generation = clock.Elapsed;

        // Generated code for mutants that still parse must compile, whatever errors the user's code has of its own. An
        // evenly spread sample, since a full compilation costs far more than a generator run.
        int compiled = 0;
        foreach (var c in Spread(clean, CompileSamples * 4))
        {
            if (compiled == CompileSamples) break;
            if (c.Run.Input.SyntaxTrees.Any(t => t.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))) continue;
            compiled++;
            var errors = GeneratedCodeProblems(c.Run);
            if (errors.Count > 0)
                failures.Add($"case {c.Case}: " + GeneratorHarness.Describe(c.Run, errors) + GeneratorHarness.WithLineNumbers("source", c.Text));
        }

        output.WriteLine($"{Cases} cases over {bases.Count} declarations in {generation.TotalSeconds:F1} s (+{(clock.Elapsed - generation).TotalSeconds:F1} s compiling {compiled} samples)");
        output.WriteLine($"generated code in {generated} cases, {clean.Count} without errors");
        output.WriteLine("diagnostics: " + string.Join(", ", ids.Select(kv => $"{kv.Key} x{kv.Value}")));

        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} cases failed; the first:\n\n" + string.Join("\n\n", failures.Take(3)));
        // The mutations must reach deep into the parser, not stop at "no cell found".
        Assert.True(ids.Count >= 10, "too few kinds of diagnostics: " + string.Join(", ", ids.Keys));
        Assert.True(compiled >= CompileSamples / 2, $"only {compiled} mutants compiled as C# with generated code; the compile check proves little");
    }

    /// <summary>Errors and warnings located in generated files.</summary>
    private static List<Diagnostic> GeneratedCodeProblems(GeneratorRun run)
    {
        var generated = run.Output.SyntaxTrees.Except(run.Input.SyntaxTrees).ToHashSet();
        return run.Output.GetDiagnostics()
            .Where(d => !d.IsSuppressed && d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Where(d => d.Location.SourceTree is { } t && generated.Contains(t))
            .ToList();
    }

    // ------------------------------------------------------------------ structural constructs

    private const string StepBody = "h = Tanh(W(x) + W(h) + B());";

    /// <summary>Where a cell may sit: (text before, text after) the declaration; {0} is the case's unique suffix.</summary>
    private static readonly (string Name, string Open, string Close)[] Surroundings =
    [
        ("global namespace", "", ""),
        ("block namespace", "namespace N{0} {{\n", "}}\n"),
        ("file-scoped namespace", "namespace N{0};\n", ""),
        ("nested namespaces", "namespace N{0}.Inner {{ namespace Deeper {{\n", "}} }}\n"),
        ("partial class", "public partial class Outer{0} {{\n", "}}\n"),
        ("non-partial class", "public class Outer{0} {{\n", "}}\n"),
        ("static partial class", "public static partial class Outer{0} {{\n", "}}\n"),
        ("generic partial class", "public partial class Outer{0}<[System.Obsolete] T, U> where T : class {{\n", "}}\n"),
        ("partial struct", "public partial struct Outer{0} {{\n", "}}\n"),
        ("partial record", "public partial record Outer{0}(int A) {{\n", "}}\n"),
        ("partial record struct", "public partial record struct Outer{0} {{\n", "}}\n"),
        ("partial interface", "public partial interface IOuter{0} {{\n", "}}\n"),
        ("file partial class", "file partial class Outer{0} {{\n", "}}\n"),
        ("two levels", "namespace N{0} {{ public partial class A {{ internal partial struct B {{\n", "}} }} }}\n"),
        ("preprocessor", "#region cells\n#if !NEVER\nnamespace N{0} {{\n#endif\n", "#if !NEVER\n}}\n#endif\n#endregion\n"),
    ];

    /// <summary>The declaration line: {0} is the class name. Good and bad shapes alike.</summary>
    private static readonly string[] Heads =
    [
        "public partial class {0}", "partial class {0}", "internal sealed partial class {0}", "public abstract partial class {0}",
        "public static partial class {0}", "file partial class {0}", "public partial class {0}<T>", "public partial class {0}(int a)",
        "public partial record {0}", "public partial record class {0}", "public partial record struct {0}",
        "public partial record {0}(int A)", "public partial struct {0}", "public partial interface {0}",
        "public class {0}", "public partial class {0} : System.IDisposable", "public unsafe partial class {0}",
        "public partial class @{0}", "public partial class {0}\u00e9\u03bb", "public partial class {0}\u0301x",
        "[System.Obsolete] public partial class {0}", "public new partial class {0}",
    ];

    /// <summary>The Step method: good and bad shapes, preprocessor directives, verbatim and Unicode names, nestings.</summary>
    private static readonly string[] Steps =
    [
        "static void Step(Var x, ref Var h) { " + StepBody + " }",
        "static void Step(Var x, ref Var h) => " + StepBody.TrimEnd(';') + ";",
        "void Step(Var x, ref Var h) { " + StepBody + " }",
        "public static void Step(Var x, ref Var h) { " + StepBody + " }",
        "static void Step<T>(Var x, ref Var h) { " + StepBody + " }",
        "static void Step(Var @in, ref Var @class) { @class = Tanh(W(@in) + W(@class) + B()); }",
        "static void Step(Var \u03be, ref Var \u0068) { var \u00e9t\u00e9 = Tanh(W(\u03be) + W(h) + B()); h = \u00e9t\u00e9; }",
        "static void Step(Var x, ref Var h)\n{\n#if NEVER\n    h = x;\n#else\n    " + StepBody + "\n#endif\n}",
        "static void Step(Var x, ref Var h)\n{\n#region eq\n#pragma warning disable CS0168\n    " + StepBody + "\n#pragma warning restore CS0168\n#endregion\n}",
        "static void Step(Var x, ref Var h)\n{\n#nullable disable\n    " + StepBody + "\n#line 100 \"Other.cs\"\n}",
        "static void Step(Var x, ref Var h) { h = -(-Tanh(-(-W(x)) - -W(h) * -(B() + -x))); }",
        "static void Step(Var x, ref Var h) { h = - -Tanh(W(x) - (-(W(h) - B())) * (-(-(-x)))); }",
        "static void Step(Var x, ref Var h) { var a = -Tanh(W(x)); var b = -a; h = -(-b) * -(a - -b); }",
        "static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); } static Var Tanh(Var v) => v;",
        "static void Step(Var x, ref Var h) { h = Sigmoid(W(x) + W(h) + B()); } static int Sigmoid;",
    ];

    [Fact]
    public void Structural_constructs_never_crash_nor_vanish_and_generate_code_that_compiles()
    {
        // Every head, surrounding and Step shape at least once, in a deterministic spread of combinations. All cases go
        // in one compilation (one file each, every name suffixed with the case number), which costs one compile.
        const int count = 240;
        var rng = new Random(Seed);
        var files = new List<SourceFile>();
        var cases = new List<(string Class, string Where)>();
        for (int n = 0; n < count; n++)
        {
            var (sname, open, close) = Surroundings[n % Surroundings.Length];
            string head = Heads[(n / Surroundings.Length + n) % Heads.Length];
            string step = Steps[rng.Next(Steps.Length)];
            string cls = "Cell" + n;
            string text = Usings + string.Format(open, n) + "[RnnCell]\n" + string.Format(head, cls) + "\n{\n    " + step + "\n}\n" + string.Format(close, n);
            files.Add(new SourceFile($"Case{n}.cs", text));
            cases.Add((cls, $"case {n} ({sname}; {string.Format(head, cls)}; {step})"));
        }
        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(trackSteps: false), GeneratorHarness.CreateCompilation(files.ToArray()));

        var failures = new List<string>();
        if (run.GeneratorFailed) failures.Add("generator failed: " + run.Result.Exception);
        failures.AddRange(run.Diagnostics.Where(d => !d.Id.StartsWith("CDSL", StringComparison.Ordinal) || d.Id == "CDSL0099").Select(d => "diagnostic: " + d));

        var inputErrors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        int generated = 0;
        for (int n = 0; n < count; n++)
        {
            string path = $"Case{n}.cs";
            bool hasSource = run.Sources.Any(s => Regex.IsMatch(s.HintName, $"Cell{n}(?![0-9])"));
            bool reported = run.Diagnostics.Concat(inputErrors).Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == path);
            if (hasSource) generated++;
            if (!hasSource && !reported) failures.Add(cases[n].Where + ": no cell and no error\n" + GeneratorHarness.WithLineNumbers(path, files[n].Text));
        }
        // Every file parses, so every generated file must compile cleanly.
        Assert.All(files, f => Assert.DoesNotContain(CSharpSyntaxTree.ParseText(f.Text, GeneratorHarness.ParseOptions).GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error));
        var problems = GeneratedCodeProblems(run);
        if (problems.Count > 0) failures.Add(GeneratorHarness.Describe(run, problems));

        output.WriteLine($"{count} structural cases, {generated} generated cells; diagnostics: " +
                         string.Join(", ", run.Diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.True(failures.Count == 0, $"{failures.Count} failures; the first:\n\n" + string.Join("\n\n", failures.Take(3)));
        // Not vacuous: good shapes generate code, bad ones are reported.
        Assert.True(generated >= count / 5, $"only {generated} of {count} cases generated a cell");
        Assert.Contains(run.Diagnostics, d => d.Id == "CDSL0013");
        Assert.Contains(run.Diagnostics, d => d.Id == "CDSL0017");
    }

    private static IEnumerable<T> Spread<T>(IReadOnlyList<T> items, int count)
    {
        if (items.Count <= count) return items;
        return Enumerable.Range(0, count).Select(i => items[(int)((long)i * items.Count / count)]);
    }

    /// <summary>One to four mutations, each at a token boundary or a character position chosen by <paramref name="rng"/>.</summary>
    internal static string Mutate(string text, Random rng, List<string> applied)
    {
        int count = 1 + rng.Next(4);
        for (int m = 0; m < count && text.Length > 0; m++)
        {
            var tokens = SyntaxFactory.ParseTokens(text).Where(t => t.Span.Length > 0).Select(t => t.Span).ToList();
            if (tokens.Count < 2) break;
            var a = tokens[rng.Next(tokens.Count)];
            int kind = rng.Next(12);
            switch (kind)
            {
                case 0:
                    applied.Add($"delete '{text.Substring(a.Start, a.Length)}'@{a.Start}");
                    text = text.Remove(a.Start, a.Length);
                    break;
                case 1:
                    applied.Add($"duplicate '{text.Substring(a.Start, a.Length)}'@{a.Start}");
                    text = text.Insert(a.End, " " + text.Substring(a.Start, a.Length));
                    break;
                case 2:
                case 3:
                {
                    var b = kind == 2 ? tokens[Math.Min(tokens.IndexOf(a) + 1, tokens.Count - 1)] : tokens[rng.Next(tokens.Count)];
                    if (a == b) break;
                    var (first, second) = a.Start < b.Start ? (a, b) : (b, a);
                    string s1 = text.Substring(first.Start, first.Length), s2 = text.Substring(second.Start, second.Length);
                    applied.Add($"swap '{s1}'@{first.Start} '{s2}'@{second.Start}");
                    text = text.Remove(second.Start, second.Length).Insert(second.Start, s1).Remove(first.Start, first.Length).Insert(first.Start, s2);
                    break;
                }
                case 4:
                case 5:
                {
                    string junk = Junk[rng.Next(Junk.Length)];
                    int at = rng.Next(2) == 0 ? a.Start : a.End;
                    applied.Add($"insert '{junk}'@{at}");
                    text = text.Insert(at, " " + junk + " ");
                    break;
                }
                case 6:
                {
                    char ch = CharPool[rng.Next(CharPool.Length)];
                    int at = rng.Next(text.Length + 1);
                    applied.Add($"char U+{(int)ch:X4}@{at}");
                    text = text.Insert(at, ch.ToString());
                    break;
                }
                case 7:
                {
                    int at = rng.Next(text.Length);
                    applied.Add($"truncate@{at}");
                    text = text.Substring(0, at);
                    break;
                }
                case 8:
                {
                    int at = rng.Next(text.Length);
                    int len = Math.Min(1 + rng.Next(30), text.Length - at);
                    applied.Add($"cut {len}@{at}");
                    text = text.Remove(at, len);
                    break;
                }
                case 9:
                {
                    // Rename: one identifier becomes another one of the same text (h -> c, x -> h, W -> Tanh).
                    var ids = SyntaxFactory.ParseTokens(text).Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
                    if (ids.Count < 2) break;
                    var from = ids[rng.Next(ids.Count)];
                    var to = ids[rng.Next(ids.Count)];
                    applied.Add($"rename '{from.Text}'@{from.SpanStart} to '{to.Text}'");
                    text = text.Remove(from.SpanStart, from.Span.Length).Insert(from.SpanStart, to.Text);
                    break;
                }
                case 10:
                {
                    // A class takes another class's name, in random case: duplicate cells and names that differ in case only.
                    var names = SyntaxFactory.ParseTokens(text)
                        .Select((t, i) => (Token: t, Index: i)).ToList();
                    var classes = names.Where(p => p.Index > 0 && names[p.Index - 1].Token.IsKind(SyntaxKind.ClassKeyword) && p.Token.IsKind(SyntaxKind.IdentifierToken))
                        .Select(p => p.Token).ToList();
                    if (classes.Count == 0) break;
                    var target = classes[rng.Next(classes.Count)];
                    string name = classes[rng.Next(classes.Count)].ValueText;
                    name = new string(name.Select(ch => rng.Next(3) == 0 ? char.ToUpperInvariant(ch) : ch).ToArray());
                    applied.Add($"class '{target.Text}'@{target.SpanStart} renamed '{name}'");
                    text = text.Remove(target.SpanStart, target.Span.Length).Insert(target.SpanStart, name);
                    break;
                }
                default:
                {
                    var lines = text.Split('\n').ToList();
                    int line = rng.Next(lines.Count);
                    applied.Add($"duplicate line {line + 1}");
                    lines.Insert(line, lines[line]);
                    text = string.Join("\n", lines);
                    break;
                }
            }
        }
        return text;
    }

    [Fact]
    public void Mutations_are_deterministic()
    {
        var (_, text) = Bases()[0];
        var a = Enumerable.Range(0, 20).Select(i => Mutate(text, new Random(Seed + i), [])).ToList();
        var b = Enumerable.Range(0, 20).Select(i => Mutate(text, new Random(Seed + i), [])).ToList();
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 15);
        Assert.Contains(a, t => t != text);
    }

    [Fact]
    public void Every_base_declaration_is_valid_before_mutation()
    {
        var bases = Bases();
        var sb = new StringBuilder();
        foreach (var (name, text) in bases)
        {
            var run = GeneratorHarness.Run(text);
            if (run.Diagnostics.Count > 0 || run.Sources.Count == 0) sb.AppendLine($"{name}: {string.Join("; ", run.Diagnostics)} ({run.Sources.Count} sources)");
        }
        Assert.True(sb.Length == 0, sb.ToString());
    }
}
