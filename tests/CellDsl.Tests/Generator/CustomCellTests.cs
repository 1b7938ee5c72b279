using CellDsl.Testing;
using CellDsl.Tests.Numerics;
using CellDsl.Tests.Generator.Support;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Generator;

/// <summary>
/// A user's own cells, end to end: declared in a string, generated, compiled in memory, loaded, constructed through
/// <see cref="IRecurrentCell"/>, and checked with the public one-line <see cref="GradientCheck"/>.
/// </summary>
public class CustomCellTests(ITestOutputHelper output)
{
    private const string Header = "using CellDsl;\nusing static CellDsl.CellOps;\n\nnamespace User.Cells;\n\n";

    private const string Mixed = Header + """
        /// <summary>Everything the DSL offers in one cell.</summary>
        [RnnCell]
        public partial class Mixed
        {
            static void Step(Var x, ref Var c, [Output] ref Var h)
            {
                var i = Sigmoid(W(x, "Wxi") + W(h) + P(c) + B());
                var f = Sigmoid(Linear(1.1f, h) + W(x) + B(1f));
                var g = Relu(W(x) - W(h) + B(0.25f));
                c = f * c + i * g;
                var o = -Sigmoid(W(x) + W(c) + P(c, "peep_o") + B()) * 0.5f + 1f;
                h = o * Tanh(c) + 0.1f * h;
            }
        }
        """;

    [Fact]
    public void Custom_cell_compiles_loads_and_passes_the_gradient_check()
    {
        var run = GeneratorHarness.Run(Mixed);
        Assert.Empty(run.Diagnostics);
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var cell = loaded.Create("User.Cells.Mixed", 3, 5, 11);

        Assert.Equal("Mixed", cell.Name);
        Assert.Equal(["c", "h"], cell.StateNames);
        Assert.Equal(1, cell.OutputState);
        var names = cell.ParameterLayout.Select(p => p.Name).ToList();
        Assert.Contains("Wxi", names);
        Assert.Contains("peep_o", names);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(cell.Parameters.Length, cell.ParameterLayout.Sum(p => p.Length));

        ZooOracleTests.RandomizeBiases(cell, 5);
        var report = GradientCheck.Run(cell);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed(1e-4), report + "\n" + string.Join("\n", report.Gradients.Select(g => $"  {g.Name}: {g.Relative:E2}")));
    }

    public static TheoryData<string, string> Shapes() => new()
    {
        // (class, declaration): the shapes of Step that the zoo does not exercise.
        { "NoInputProjection", """
            [RnnCell]
            public partial class NoInputProjection
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(h) + B(0.5f)); }
            }
            """ },
        { "LinearInput", """
            [RnnCell]
            public partial class LinearInput
            {
                static void Step(Var x, ref Var h) { h = Tanh(Linear(1f, x) + Linear(0.5f, h, "Lh")); }
            }
            """ },
        { "Swap", """
            [RnnCell]
            public partial class Swap
            {
                static void Step(Var x, ref Var h, ref Var c)
                {
                    h = c;
                    c = Tanh(W(x) + W(h) + B());
                }
            }
            """ },
        { "SharedValue", """
            [RnnCell]
            public partial class SharedValue
            {
                static void Step(Var x, ref Var h, ref Var c)
                {
                    var a = Tanh(W(x) + W(h) + P(c) + B());
                    h = a;
                    c = a;
                }
            }
            """ },
        { "Compound", """
            [RnnCell]
            public partial class Compound
            {
                static void Step(Var input, ref Var h)
                {
                    var a = W(input);
                    a += W(h);
                    a *= Sigmoid(W(input) + B(-1f));
                    a -= B();
                    h = Tanh(a) - -h * 0.5f;
                }
            }
            """ },
        { "InputIsState", """
            [RnnCell]
            public partial class InputIsState
            {
                static void Step(Var x, ref Var h) { h = x * Sigmoid(W(h) + B()) + Tanh(x) - P(x); }
            }
            """ },
        { "event", """
            [RnnCell]
            public partial class @event
            {
                static void Step(Var @in, ref Var @out, ref Var @base)
                {
                    var @int = Tanh(W(@in) + W(@out) + P(@base) + B(0f, "class"));
                    @base = @int * @base + W(@in);
                    @out = @int;
                }
            }
            """ },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Unusual_step_shapes_pass_the_gradient_check(string name, string declaration)
    {
        var run = GeneratorHarness.Run(Header + declaration);
        Assert.True(run.Diagnostics.Count == 0, DiagnosticRenderer.Render(run.Diagnostics, Header + declaration));
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var cell = loaded.Create("User.Cells." + name, 4, 4, 3);
        ZooOracleTests.RandomizeBiases(cell, 7);
        var report = GradientCheck.Run(cell);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed(1e-4), report + "\n" + string.Join("\n", report.Gradients.Select(g => $"  {g.Name}: {g.Relative:E2}")));
    }

    [Fact]
    public void Cell_without_input_projection_has_zero_input_gradient_and_no_input_weights()
    {
        var run = GeneratorHarness.Run(Header + "[RnnCell]\npublic partial class Autonomous\n{\n    static void Step(Var x, ref Var h) { h = Tanh(W(h) + B(0.5f)); }\n}\n");
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var cell = loaded.Create("User.Cells.Autonomous", 3, 4, 1);
        Assert.Equal(["W_h_h", "b_h"], cell.ParameterLayout.Select(p => p.Name));
        var report = GradientCheck.Run(cell);
        Assert.True(report.Passed(1e-4), report.ToString());
        Assert.Equal(0, report.Gradients.Single(g => g.Name == "x").MaxAbsError);
    }

    [Fact]
    public void Constants_folded_to_infinity_still_generate_compilable_code()
    {
        // 1e38f * 1e38f is legal C# and folds to +Infinity; C# has no literal for it.
        var run = GeneratorHarness.Run(Header + """
            [RnnCell]
            public partial class Overflow
            {
                static void Step(Var x, ref Var h) { h = Tanh(W(x) * (1e38f * 1e38f) + W(h) * (1e38f * 1e38f - 1e38f * 1e38f) + B(-1e38f * 1e38f)); }
            }
            """);
        Assert.Empty(run.Diagnostics);
        GeneratorHarness.AssertCompiles(run);
        var text = run.Source("Overflow").Text;
        Assert.Contains("float.PositiveInfinity", text);
        Assert.Contains("float.NaN", text);
        Assert.Contains("float.NegativeInfinity", text);
    }

    [Fact]
    public void Cells_nested_in_types_and_namespaces_compile()
    {
        var run = GeneratorHarness.Run("""
            using CellDsl;
            using static CellDsl.CellOps;

            namespace @namespace.Outer
            {
                namespace Inner
                {
                    public static partial class Holder<T> where T : struct
                    {
                        internal partial record Rec
                        {
                            public partial struct @struct
                            {
                                [RnnCell]
                                private sealed partial class Cell
                                {
                                    static void Step(Var x, ref Var h) { h = Tanh(W(x) + W(h) + B()); }
                                }

                                public static IRecurrentCell Create() => new Cell(2, 3, 1);
                            }
                        }
                    }
                }
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Single(run.Sources);
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var holder = loaded.Type("namespace.Outer.Inner.Holder`1+Rec+struct").MakeGenericType(typeof(int));
        var cell = (IRecurrentCell)holder.GetMethod("Create")!.Invoke(null, null)!;
        Assert.Equal(("Cell", 2, 3), (cell.Name, cell.InputSize, cell.HiddenSize));
    }
}
