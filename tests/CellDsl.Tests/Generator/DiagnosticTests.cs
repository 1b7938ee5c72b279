using System.Globalization;
using System.Text.RegularExpressions;
using CellDsl.Generator.Diagnostics;
using CellDsl.Generator.Model;
using CellDsl.Generator.Parsing;
using CellDsl.Tests.Generator.Support;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>One minimal bad declaration per diagnostic: id, severity, the exact span, and a message that names the culprit.</summary>
public class DiagnosticTests
{
    private const string Header = "using CellDsl;\nusing static CellDsl.CellOps;\n\nnamespace Demo;\n\n";

    /// <summary>(id, declaration with the expected span marked [|...|], names the message must quote).</summary>
    public static TheoryData<string, string, string[]> Cases() => new()
    {
        { "CDSL0001", """
            [RnnCell]
            public class [|Plain|]
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Plain"] },
        { "CDSL0002", """
            [RnnCell]
            public partial class [|NoStep|]
            {
                static void Stepp(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["NoStep"] },
        { "CDSL0003", """
            [RnnCell]
            public partial class Instance
            {
                void [|Step|](Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Instance"] },
        { "CDSL0004", """
            [RnnCell]
            public partial class ByValue
            {
                static void Step(Var x, [|Var h|]) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["h"] },
        { "CDSL0005", """
            [RnnCell]
            public partial class Early
            {
                static void Step(Var x, ref Var h)
                {
                    h = Tanh(W(x) + W(h) + B());
                    [|return;|]
                }
            }
            """, ["return;"] },
        { "CDSL0006", """
            [RnnCell]
            public partial class ReadsField
            {
                static readonly Var Scale = default;

                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + [|Scale|]); }
            }
            """, ["Scale"] },
        { "CDSL0007", """
            [RnnCell]
            public partial class Forgets
            {
                static void Step(Var x, ref Var h, ref Var [|c|]) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["c"] },
        { "CDSL0008", """
            [RnnCell]
            public partial class Twice
            {
                static void Step(Var x, ref Var h)
                {
                    h = Tanh(W(x) + B());
                    [|h|] = Tanh(W(h) + B());
                }
            }
            """, ["h"] },
        { "CDSL0009", """
            [RnnCell]
            public partial class TooEarly
            {
                static void Step(Var x, ref Var h)
                {
                    var a = Tanh(W([|b|]) + B());
                    var b = Sigmoid(W(x) + B());
                    h = a * b;
                }
            }
            """, ["b"] },
        { "CDSL0010", """
            [RnnCell]
            public partial class Unused
            {
                static void Step(Var x, ref Var h)
                {
                    var [|gate|] = Sigmoid(W(x) + B());
                    h = Tanh(W(x) + W(h) + B());
                }
            }
            """, ["gate"] },
        { "CDSL0011", """
            [RnnCell]
            public partial class SameName
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x, "Wx") + W(h, [|"Wx"|]) + B()); }
            }
            """, ["Wx", "SameName"] },
        { "CDSL0012", """
            [RnnCell]
            public partial class BadName
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x, [|"2x"|]) + W(h) + B()); }
            }
            """, ["2x"] },
        { "CDSL0013", """
            [RnnCell]
            public partial class Generic[|<T>|]
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Generic"] },
        { "CDSL0014", """
            [RnnCell]
            public partial class OutputInput
            {
                static void Step([|[Output] Var x|], ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["x"] },
        { "CDSL0015", """
            [RnnCell]
            public partial class [|BiasOnly|]
            {
                static void Step(Var x, ref Var h) { h = B(); }
            }
            """, ["BiasOnly", "h"] },
        { "CDSL0016", """
            [RnnCell]
            public partial class VectorInit
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B([|h|])); }
            }
            """, ["h"] },
        // Shapes the generated part cannot complete (issue 13): reported, never silently ignored or broken.
        { "CDSL0013", """
            [RnnCell]
            public partial [|record|] Rec
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Rec"] },
        { "CDSL0013", """
            [RnnCell]
            public partial [|record|] class RecClass
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["RecClass"] },
        { "CDSL0013", """
            [RnnCell]
            public partial class Pc[|(int a)|]
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Pc"] },
        { "CDSL0013", """
            [RnnCell]
            file partial class [|Local|]
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Local"] },
        { "CDSL0017", """
            [RnnCell]
            public partial class Shadow
            {
                static Var [|Tanh|](Var v) => v;
                static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
            }
            """, ["Tanh", "Shadow"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Minimal_bad_declaration_reports_its_diagnostic(string id, string declaration, string[] names)
    {
        var source = MarkedSource.Parse(Header + declaration);
        var run = GeneratorHarness.Run(new SourceFile("Cell.cs", source.Text));
        string rendered = DiagnosticRenderer.Render(run.Diagnostics, new SourceFile("Cell.cs", source.Text));

        Assert.Null(run.Result.Exception);
        Assert.True(run.Diagnostics.Select(d => d.Id).SequenceEqual([id]), $"expected only {id}, got:\n{rendered}");
        var d = run.Diagnostics[0];
        var descriptor = DiagnosticDescriptors.ById(id)!;
        Assert.Equal(id is "CDSL0010" or "CDSL0017" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(descriptor.DefaultSeverity, d.Severity);
        Assert.Equal("docs/diagnostics.md#" + id.ToLowerInvariant(), d.Descriptor.HelpLinkUri);

        var where = d.Location.GetLineSpan();
        Assert.Equal("Cell.cs", where.Path);
        Assert.Equal(source.Span, d.Location.SourceSpan);
        Assert.Equal(source.LineSpan, where.Span);
        Assert.Equal(source.SpannedText, source.Text.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));

        string message = d.GetMessage(CultureInfo.InvariantCulture);
        foreach (var name in names) Assert.Contains($"'{name}'", message);
        Assert.DoesNotMatch(@"\{\d\}", message);

        // Errors stop code generation for the cell; warnings do not.
        if (d.Severity == DiagnosticSeverity.Error) Assert.Empty(run.Sources);
        else Assert.Single(run.Sources);

        // Tools that parse without a compilation see the same diagnostic.
        var parsed = CellParser.ParseSource(source.Text, "Cell.cs")!;
        var info = Assert.Single(parsed.Diagnostics);
        Assert.Equal((id, source.Span.Start, source.Span.Length), (info.Id, info.Start, info.Length));
        Assert.Equal($"{id} ({where.StartLinePosition.Line + 1},{where.StartLinePosition.Character + 1}): {message}", info.ToString());
    }

    public static TheoryData<string, string> SyntaxErrors() => new()
    {
        // (what is broken, a whole file): issue 13's cascade of errors located in generated code.
        { "class name", "using CellDsl;\nusing static CellDsl.CellOps;\n[RnnCell]\npublic partial class\n{\n    static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }\n}\n" },
        { "namespace name", "using CellDsl;\nusing static CellDsl.CellOps;\nnamespace\n{\n    [RnnCell]\n    public partial class A\n    {\n        static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }\n    }\n}\n" },
        { "file-scoped namespace name", "using CellDsl;\nusing static CellDsl.CellOps;\nnamespace ;\n[RnnCell]\npublic partial class A\n{\n    static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }\n}\n" },
        { "stray parenthesis in Step", Header + "[RnnCell]\npublic partial class A\n{\n    static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h)) + B()); }\n}\n" },
        { "stray parenthesis in the signature", Header + "[RnnCell]\npublic partial class A\n{\n    static void Step(Var x, ref Var h)) { h = Tanh(W(x) + W(h) + B()); }\n}\n" },
        { "containing type name", Header + "public partial class\n{\n    [RnnCell]\n    public partial class A\n    {\n        static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }\n    }\n}\n" },
    };

    [Theory]
    [MemberData(nameof(SyntaxErrors))]
    public void Declaration_with_a_syntax_error_gets_no_generated_code_and_only_the_compilers_errors(string what, string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.False(run.GeneratorFailed, what);
        Assert.True(run.Input.SyntaxTrees.Single().GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error), what + ": the case has no syntax error");
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.Sources);
        var parsed = CellParser.ParseSource(source);
        Assert.True(parsed is null || (parsed.Model is null && parsed.Diagnostics.Count == 0), what + ": ParseSource made a cell or a diagnostic");
        // Every error is in the user's file: none is located in (or caused by) generated code.
        Assert.All(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), d => Assert.Equal("Cell.cs", d.Location.SourceTree?.FilePath));
    }

    [Fact]
    public void Every_diagnostic_has_a_case()
    {
        var covered = Cases().Select(row => (string)row[0]).ToHashSet();
        var all = Enumerable.Range(1, 99).Select(i => $"CDSL{i:0000}").Where(id => DiagnosticDescriptors.ById(id) is not null).ToList();
        // CDSL0099 has its own test: it needs an input the parser cannot handle, not a mistake of the user's.
        Assert.Equal(all.Where(id => id != "CDSL0099"), covered.OrderBy(i => i, StringComparer.Ordinal));
    }

    [Fact]
    public void Exception_in_the_parser_becomes_CDSL0099_on_the_class()
    {
        // Nothing the user writes should crash the compiler. A 20000-term sum is a 20000-deep syntax tree: on a 1 MB
        // stack (what a compiler thread may have) the parser runs out of room, and must say so rather than overflow.
        string sum = string.Join(" + ", Enumerable.Repeat("W(x)", 20000));
        string source = Header + "[RnnCell]\npublic partial class Long\n{\n    static void Step(Var x, ref Var h) { h = " + sum + "; }\n}\n";
        GeneratorRun? run = null;
        ParseResult? parsed = null;
        var thread = new Thread(() =>
        {
            run = GeneratorHarness.Run(source);
            parsed = CellParser.ParseSource(source, "Cell.cs");
        }, maxStackSize: 1024 * 1024);
        thread.Start();
        thread.Join();

        Assert.Null(run!.Result.Exception);
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal(("CDSL0099", DiagnosticSeverity.Error), (d.Id, d.Severity));
        Assert.Equal("Long", source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        Assert.Contains("'Long'", d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("nest too deeply", d.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(run.Sources);
        Assert.Equal("CDSL0099", Assert.Single(parsed!.Diagnostics).Id);
        Assert.Null(parsed.Model);
    }

    [Fact]
    public void Diagnostic_positions_are_one_based_line_and_column()
    {
        const string source = Header + """
            [RnnCell]
            public partial class Forgets
            {
                static void Step(Var x, ref Var h, ref Var c) { h = Tanh(W(x) + W(h) + B()); }
            }
            """;
        var run = GeneratorHarness.Run(source);
        var d = Assert.Single(run.Diagnostics);
        var span = d.Location.GetLineSpan().Span;
        // Line 9 of the file, "c" at column 48 (1-based) of "    static void Step(Var x, ref Var h, ref Var c)".
        Assert.Equal((8, 47, 8, 48), (span.Start.Line, span.Start.Character, span.End.Line, span.End.Character));
        Assert.StartsWith("CDSL0007 (9,48)-(9,49): State 'c' is never assigned", DiagnosticRenderer.Render(run.Diagnostics, source));
    }

    public static TheoryData<string, string, string> MoreErrors() => new()
    {
        // (id, what the user wrote in the Step body, marked)
        { "CDSL0005", "if (true) { }", "[|if (true) { }|] h = Tanh(W(x) + W(h) + B());" },
        { "CDSL0005", "const", "[|const float k = 1f;|] h = Tanh(W(x) + W(h) + B());" },
        { "CDSL0005", "x =", "[|x = W(h)|]; h = Tanh(W(x) + W(h) + B());" },
        { "CDSL0005", "h++", "[|h++;|] h = Tanh(W(x) + W(h) + B());" },
        { "CDSL0006", "/", "h = Tanh(W(x) [|/|] W(h) + B());" },
        { "CDSL0006", "member", "h = Tanh(W(x) + W(h) + [|System.Math.PI|]);" },
        { "CDSL0006", "call", "h = Tanh(W(x) + [|Exp(h)|] + B());" },
        { "CDSL0006", "concatenated name", """h = Tanh(W(x, [|"W" + "x"|]) + W(h) + B());""" },
        { "CDSL0006", "bad argument", "h = Tanh(W(x, [|v: h|]) + B());" },
        { "CDSL0006", "name not literal", "h = Tanh(W(x, [|nameof(x)|]) + W(h) + B());" },
        { "CDSL0006", "constant operand", "h = Tanh(W(x) + W([|2f|]) + B());" },
        { "CDSL0006", "constant state", "h = [|1f + 2f|];" },
        { "CDSL0016", "Linear a", "var a = Sigmoid(W(x)); h = Tanh(Linear([|a|], h) + W(x));" },
        { "CDSL0008", "compound", "h = Tanh(W(x) + B()); [|h|] += W(h);" },
    };

    [Theory]
    [MemberData(nameof(MoreErrors))]
    public void Other_mistakes_in_Step_bodies_are_reported_where_they_are(string id, string what, string body)
    {
        var source = MarkedSource.Parse(Header + "[RnnCell]\npublic partial class C\n{\n    static void Step(Var x, ref Var h)\n    {\n        " + body + "\n    }\n}\n");
        var run = GeneratorHarness.Run(new SourceFile("Cell.cs", source.Text));
        Assert.Null(run.Result.Exception);
        var d = Assert.Single(run.Diagnostics);
        Assert.True(d.Id == id, $"{what}: expected {id}, got {DiagnosticRenderer.Render(run.Diagnostics, new SourceFile("Cell.cs", source.Text))}");
        Assert.Equal(source.SpannedText, source.Text.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        Assert.Empty(run.Sources);
    }

    public static TheoryData<string> ValidDeclarations() => new()
    {
        """
        [RnnCell]
        public partial class Everything
        {
            static void Step(Var input, ref Var c, [Output] ref Var h)
            {
                var i = Sigmoid(W(input, "Wi") + W(h) + P(c) + B(0.5f));
                var f = CellOps.Sigmoid(Linear(1f, h) + W(input) + B(init: 1f));
                var g = Relu(W(input) - W(h) + B(name: "bg"));
                c = f * c + i * g;
                var o = -Sigmoid(W(input) + W(c) + B()) * 0.5f + 1f;
                h = o * Tanh(c);
            }
        }
        """,
        """
        [RnnCell]
        public partial class Compound
        {
            static void Step(Var x, ref Var h)
            {
                var a = W(x);
                a += W(h);
                a *= Sigmoid(W(x) + B());
                a -= B();
                h = Tanh(a);
            }
        }
        """,
        """
        public static partial class Outer
        {
            public partial class Inner
            {
                [CellDsl.RnnCellAttribute]
                internal partial class Nested
                {
                    private static void Step(Var x, ref Var h) { h = +Tanh((W(x)) + (W(h) + B())); ; }
                }
            }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(ValidDeclarations))]
    public void Valid_declarations_report_nothing_and_compile(string declaration)
    {
        var run = GeneratorHarness.Run(Header + declaration);
        Assert.True(run.Diagnostics.Count == 0, DiagnosticRenderer.Render(run.Diagnostics, Header + declaration));
        Assert.Single(run.Sources);
        GeneratorHarness.AssertCompiles(run);
    }

    [Fact]
    public void Unused_value_warning_still_generates_a_working_cell()
    {
        const string source = Header + """
            [RnnCell]
            public partial class Unused
            {
                static void Step(Var x, ref Var h)
                {
                    var gate = Sigmoid(W(x) + B());
                    h = Tanh(W(x) + W(h) + B());
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        var d = Assert.Single(run.Diagnostics);
        Assert.Equal(("CDSL0010", DiagnosticSeverity.Warning), (d.Id, d.Severity));
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var cell = loaded.Create("Demo.Unused", 3, 4, 1);
        // The unused gate's parameters are dropped with it: two weights and one bias remain.
        Assert.Equal(["W_x_h", "W_h_h", "b_h"], cell.ParameterLayout.Select(p => p.Name));
    }

    [Fact]
    public void Several_errors_render_as_in_the_snapshot()
    {
        const string source = Header + """
            [RnnCell]
            public class Broken
            {
                static void Step(Var x, ref Var h, ref Var c)
                {
                    var u = Sigmoid(W(x, "W") + W(h, "W"));
                    if (u == default) { }
                    h = Tanh(W(x) / W(h));
                    var spare = Tanh(W(x));
                }
            }

            [RnnCell]
            public partial class AlsoBroken<T> : object
            {
                static void Step(Var x, ref Var h, ref Var c)
                {
                    h = Tanh(W(x, "1st") + B(h));
                    var g = Sigmoid(W(x) + W(h) + B(1f, "b_g") + B(0f, "b_g"));
                    c = c * g;
                    c = h + System.Math.E;
                    var early = Tanh(W(late));
                    var late = W(x);
                    h = early * late;
                }
            }

            [RnnCell]
            public partial class Signature
            {
                static Var Step([Output] Var x, ref Var h, [Output] ref float c) { }
            }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Result.Exception);
        Assert.Empty(run.Sources);
        Snapshot.Verify("Diagnostics.SeveralErrors", DiagnosticRenderer.Render(run.Diagnostics, source), "txt");
    }

    [Fact]
    public void Docs_have_a_section_for_every_diagnostic()
    {
        string docs = File.ReadAllText(RepoPaths.Docs("diagnostics.md"));
        var headings = Regex.Matches(docs, @"^## (CDSL\d{4})\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        var all = Enumerable.Range(1, 99).Select(i => $"CDSL{i:0000}").Where(id => DiagnosticDescriptors.ById(id) is not null).ToList();
        // "## CDSL0007" is the heading whose anchor (#cdsl0007) the diagnostics' help links point to.
        Assert.Equal(all, headings);
        foreach (var id in all)
            Assert.Contains(DiagnosticDescriptors.ById(id)!.Title.ToString(CultureInfo.InvariantCulture), docs);
    }
}
