using CellDsl.Tests.Generator.Support;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>
/// Generated file names are unique within a generator, compared ignoring case; a clash makes the driver drop the
/// output of every cell (warning CS8785). Legal programs must never clash.
/// </summary>
public class HintNameTests
{
    private const string Header = "using CellDsl;\nusing static CellDsl.CellOps;\n\n";

    private const string Step = "static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }";

    [Fact]
    public void Cells_whose_names_differ_only_in_case_both_generate()
    {
        var run = GeneratorHarness.Run(Header + $$"""
            namespace Demo;

            [RnnCell] public partial class Gru { {{Step}} }
            [RnnCell] public partial class GRU { {{Step}} }
            [RnnCell] public partial class Lstm { {{Step}} }
            """);
        Assert.False(run.GeneratorFailed, string.Join("\n", run.DriverDiagnostics));
        Assert.Empty(run.Diagnostics);
        var names = run.Sources.Select(s => s.HintName).ToList();
        Assert.Equal(3, names.Count);
        Assert.Equal(3, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        // Only the clashing names get a suffix.
        Assert.Contains("Demo.Lstm.g.cs", names);
        Assert.Matches(@"^Demo\.Gru\.[0-9a-f]{8}\.g\.cs$", names.Single(n => n.StartsWith("Demo.Gru.", StringComparison.Ordinal)));
        Assert.Matches(@"^Demo\.GRU\.[0-9a-f]{8}\.g\.cs$", names.Single(n => n.StartsWith("Demo.GRU.", StringComparison.Ordinal)));
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        Assert.Equal("GRU", loaded.Create("Demo.GRU", 2, 3, 1).Name);
        Assert.Equal("Gru", loaded.Create("Demo.Gru", 2, 3, 1).Name);
    }

    [Fact]
    public void Names_that_sanitize_alike_both_generate()
    {
        var run = GeneratorHarness.Run(Header + $$"""
            public partial class Outer<T> { [RnnCell] public partial class A { {{Step}} } }
            public partial class Outer_T_ { [RnnCell] public partial class A { {{Step}} } }
            """);
        Assert.False(run.GeneratorFailed, string.Join("\n", run.DriverDiagnostics));
        Assert.Equal(2, run.Sources.Select(s => s.HintName.ToLowerInvariant()).Distinct().Count());
        GeneratorHarness.AssertCompiles(run);
    }

    [Fact]
    public void Suffixes_do_not_depend_on_declaration_order()
    {
        string a = $"namespace Demo;\n[RnnCell] public partial class Gru {{ {Step} }}\n";
        string b = $"namespace Demo;\n[RnnCell] public partial class GRU {{ {Step} }}\n";
        var ab = GeneratorHarness.Run(new SourceFile("A.cs", Header + a), new SourceFile("B.cs", Header + b));
        var ba = GeneratorHarness.Run(new SourceFile("A.cs", Header + b), new SourceFile("B.cs", Header + a));
        Assert.Equal(ab.Sources, ba.Sources);
    }

    [Fact]
    public void A_class_marked_twice_does_not_take_the_other_cells_down()
    {
        // Two [RnnCell] parts of one class is the compiler's error (CS0579); the generator must not fail on it.
        var run = GeneratorHarness.Run(Header + $$"""
            namespace Demo;

            [RnnCell] public partial class Twice { {{Step}} }
            [RnnCell] public partial class Twice { static void Step(Var x, ref Var h, ref Var c) { h = Tanh(W(x)); c = h; } }
            [RnnCell] public partial class Fine { {{Step}} }
            """);
        Assert.False(run.GeneratorFailed, string.Join("\n", run.DriverDiagnostics));
        Assert.Equal(["Demo.Fine.g.cs"], run.Sources.Select(s => s.HintName));
        Assert.Contains(run.Output.GetDiagnostics(), d => d.Id == "CS0579");
    }

    [Fact]
    public void Cell_named_like_a_generated_member_is_reported_not_miscompiled()
    {
        foreach (var name in new[] { "Buffers", "CellDefinition", "ForwardCore", "at_W" })
        {
            var run = GeneratorHarness.Run(Header + $"[RnnCell] public partial class {name} {{ {Step} }}\n");
            var d = Assert.Single(run.Diagnostics);
            Assert.Equal(("CDSL0013", DiagnosticSeverity.Error), (d.Id, d.Severity));
            Assert.Contains($"'{name}'", d.GetMessage());
            Assert.Empty(run.Sources);
        }
    }

    [Fact]
    public void Cells_named_like_kernels_compile_because_kernels_are_file_types_outside_the_class()
    {
        // The kernel structs are file types of their own namespace: a cell, or a member of it, may take their names,
        // and two cells' kernels of the same name do not meet.
        var run = GeneratorHarness.Run(Header + $$"""
            namespace Demo;

            [RnnCell] public partial class ForwardStep0 { {{Step}} }
            [RnnCell] public partial class BackwardStep0 { {{Step}} private int ForwardStep1 = 0; int Use() => ForwardStep1; }
            """);
        Assert.False(run.GeneratorFailed, string.Join("\n", run.DriverDiagnostics));
        Assert.Empty(run.Diagnostics);
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var cell = loaded.Create("Demo.ForwardStep0", 3, 4, 1);
        Assert.True(CellDsl.Testing.GradientCheck.Run(cell).Passed());
    }
}
