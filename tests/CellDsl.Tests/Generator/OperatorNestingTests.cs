using System.Text;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
using CellDsl.Generator.Parsing;
using CellDsl.Tests.Generator.Support;
using CellDsl.Tests.Numerics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>
/// Every printer of expressions (the DSL printer, the descriptions in generated comments and messages, and the
/// emitted kernels) prints any nesting of unary minus, +, - and * so that it parses back to the same tree. Random
/// nestings go through each: the DSL printer and the descriptions are parsed back and compared node for node, the
/// kernels are compiled and run against the float64 interpreter.
/// </summary>
public class OperatorNestingTests
{
    private const string Usings = "using CellDsl;\nusing static CellDsl.CellOps;\n\n";

    /// <summary>An expression of the DSL as the test builds it; <see cref="Source"/> parenthesises every operation.</summary>
    private abstract record E
    {
        public abstract string Source { get; }
        public abstract bool IsConst { get; }
    }

    private sealed record Leaf(string Text, bool Constant) : E
    {
        public override string Source => Text;
        public override bool IsConst => Constant;
    }

    private sealed record Unary(E Operand) : E
    {
        public override string Source => "(-" + Operand.Source + ")";
        public override bool IsConst => false;
    }

    private sealed record Binary(char Op, E Left, E Right) : E
    {
        public override string Source => "(" + Left.Source + " " + Op + " " + Right.Source + ")";
        public override bool IsConst => false;
    }

    private sealed record Call(string Name, E Operand) : E
    {
        public override string Source => Name + "(" + Operand.Source + ")";
        public override bool IsConst => false;
    }

    private static readonly string[] Vectors = ["x", "h", "W(x)", "W(h)", "B()", "P(h)", "Linear(1f, h)"];
    private static readonly string[] Constants = ["2f", "0.5f", "1f"];

    /// <summary>A random nesting the parser keeps as written: no subtree is all constant (those fold to one literal),
    /// so a constant appears only beside a vector operand.</summary>
    private static E Random(Random rng, int depth, bool allowConst)
    {
        if (depth == 0 || rng.Next(5) == 0)
            return allowConst && rng.Next(4) == 0 ? new Leaf(Constants[rng.Next(Constants.Length)], true) : new Leaf(Vectors[rng.Next(Vectors.Length)], false);
        switch (rng.Next(6))
        {
            case 0:
            case 1:
                return new Unary(Random(rng, depth - 1, allowConst: false));
            case 2:
                return new Call(rng.Next(2) == 0 ? "Tanh" : "Sigmoid", Random(rng, depth - 1, allowConst: false));
            default:
            {
                char op = "+-*"[rng.Next(3)];
                var left = Random(rng, depth - 1, allowConst: true);
                var right = Random(rng, depth - 1, allowConst: !left.IsConst);
                return new Binary(op, left, right);
            }
        }
    }

    /// <summary>Nestings 3 to 6 deep whose root is an operation, so a state is never assigned a bare leaf.</summary>
    private static List<E> Nestings(int count, int seed)
    {
        var rng = new Random(seed);
        var result = new List<E>();
        while (result.Count < count)
        {
            var e = Random(rng, 3 + rng.Next(4), allowConst: false);
            if (e is not Leaf) result.Add(e);
        }
        return result;
    }

    private static string Cell(string name, E e)
        => $"[RnnCell]\npublic partial class {name}\n{{\n    static void Step(Var x, ref Var h) {{ h = {e.Source}; }}\n}}\n";

    private static CellGraph Parse(string source)
    {
        var parsed = CellParser.ParseSource(source)!;
        Assert.True(parsed.Model is not null && parsed.Diagnostics.Count == 0,
            "The nesting does not parse cleanly:\n" + string.Join("\n", parsed.Diagnostics) + "\n" + GeneratorHarness.WithLineNumbers("source", source));
        return parsed.Model!.Graph;
    }

    /// <summary>The parsed expression with every operation parenthesised, as <see cref="E.Source"/> writes it.</summary>
    private static string Canonical(ExpressionSyntax e) => e switch
    {
        ParenthesizedExpressionSyntax p => Canonical(p.Expression),
        PrefixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.UnaryMinusExpression) && u.Operand is LiteralExpressionSyntax lit => "-" + lit,
        PrefixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.UnaryMinusExpression) => "(-" + Canonical(u.Operand) + ")",
        BinaryExpressionSyntax b => "(" + Canonical(b.Left) + " " + b.OperatorToken.Text + " " + Canonical(b.Right) + ")",
        InvocationExpressionSyntax i => i.Expression + "(" + string.Join(", ", i.ArgumentList.Arguments.Select(a => Canonical(a.Expression))) + ")",
        _ => e.ToString(),
    };

    [Fact]
    public void Double_negation_generates_code_that_compiles_and_matches_the_interpreter()
    {
        // Issue 13's declaration: the kernel used to read "var t14 = --t12;" (CS0023).
        const string source = Usings + """
            namespace User;

            [RnnCell]
            public partial class NegNeg
            {
                static void Step(Var x, ref Var h) { var a = -(-Tanh(W(x) + W(h) + B())); h = a; }
            }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Assert.DoesNotMatch(@"--[\w(]", run.Source("NegNeg").Text);
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        var cell = loaded.Create("User.NegNeg", 4, 4, 3);
        WideCellTests.CheckAgainstInterpreter(cell, GraphText.Read(cell.Definition), T: 3, B: 2, seed: 5);
        Assert.Equal("var a = -(-Tanh(W(x) + W(h) + B()));", DslPrinter.Statements(Parse(source))[0]);
    }

    [Fact]
    public void Printed_classes_of_random_nestings_parse_back_to_the_same_graph()
    {
        int i = 0;
        foreach (var e in Nestings(300, seed: 71))
        {
            var original = Parse(Usings + Cell("N" + i++, e));
            string printed = DslPrinter.PrintClass(original);
            var copy = Parse(printed);
            Assert.True(original.Equals(copy), $"{e.Source}\nprinted as\n{printed}\nparses to another graph:\n{GraphText.Write(copy)}\ninstead of\n{GraphText.Write(original)}");
        }
    }

    [Fact]
    public void Descriptions_of_random_nestings_parse_back_to_the_same_tree()
    {
        int i = 0;
        foreach (var e in Nestings(300, seed: 73))
        {
            var graph = Parse(Usings + Cell("N" + i++, e));
            string description = DslPrinter.Expression(graph, graph.Next[0]);
            var parsed = SyntaxFactory.ParseExpression(description);
            Assert.False(parsed.ContainsDiagnostics || parsed.FullSpan.Length != description.Length, $"'{description}' (from {e.Source}) is not one expression");
            Assert.Equal(e.Source, Canonical(parsed));
        }
    }

    /// <summary>The tree with projections as products: W(v) and W_x_h·v both become (W * v), P(v) and p_h_h⊙v (P * v),
    /// a bias B, Linear(a, v) and W·v + b ((W * v) + B).</summary>
    private static string Structure(ExpressionSyntax e, CellGraph g) => e switch
    {
        ParenthesizedExpressionSyntax p => Structure(p.Expression, g),
        PrefixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.UnaryMinusExpression) => "(-" + Structure(u.Operand, g) + ")",
        BinaryExpressionSyntax b => "(" + Structure(b.Left, g) + " " + b.OperatorToken.Text + " " + Structure(b.Right, g) + ")",
        InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: var name } } i => name switch
        {
            "W" => "(W * " + Structure(i.ArgumentList.Arguments[0].Expression, g) + ")",
            "P" => "(P * " + Structure(i.ArgumentList.Arguments[0].Expression, g) + ")",
            "B" => "B",
            "Linear" => "((W * " + Structure(i.ArgumentList.Arguments[1].Expression, g) + ") + B)",
            _ => name + "(" + Structure(i.ArgumentList.Arguments[0].Expression, g) + ")",
        },
        IdentifierNameSyntax id when g.Parameters.FirstOrDefault(p => p.Name == id.Identifier.ValueText) is { } p
            => p.Kind switch { Compiler.Graph.ParamKind.Dense => "W", Compiler.Graph.ParamKind.Diag => "P", _ => "B" },
        _ => e.ToString(),
    };

    [Fact]
    public void Descriptions_with_parameter_names_nest_as_the_plain_ones()
    {
        // Kernel comments name each projection (W_x_i·x); · and ⊙ bind as * does, so read as * they give the same tree.
        int i = 0;
        foreach (var e in Nestings(300, seed: 83))
        {
            var graph = Parse(Usings + Cell("N" + i++, e));
            string plain = DslPrinter.Expression(graph, graph.Next[0]);
            string named = DslPrinter.Expression(graph, graph.Next[0], parameterNames: true);
            var parsed = SyntaxFactory.ParseExpression(named.Replace("·", " * ").Replace("⊙", " * "));
            Assert.False(parsed.ContainsDiagnostics, $"'{named}' does not read as an expression");
            Assert.True(Structure(SyntaxFactory.ParseExpression(plain), graph) == Structure(parsed, graph), $"'{named}' nests unlike '{plain}'");
        }
    }

    [Fact]
    public void Kernels_of_random_nestings_compile_and_match_the_interpreter()
    {
        // All cells in one compilation: a compilation costs far more than a cell.
        var nestings = Nestings(40, seed: 79);
        var source = new StringBuilder(Usings + "namespace Nest;\n\n");
        for (int i = 0; i < nestings.Count; i++) source.Append(Cell("N" + i, nestings[i]));
        var run = GeneratorHarness.Run(source.ToString());
        Assert.Empty(run.Diagnostics);
        Assert.Equal(nestings.Count, run.Sources.Count);
        using var loaded = GeneratorHarness.CompileAndLoad(run);
        for (int i = 0; i < nestings.Count; i++)
        {
            var cell = loaded.Create("Nest.N" + i, 5, 5, 7 + i);
            ZooOracleTests.RandomizeBiases(cell, i);
            try
            {
                WideCellTests.CheckAgainstInterpreter(cell, GraphText.Read(cell.Definition), T: 3, B: 2, seed: 11 + i);
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"N{i}: h = {nestings[i].Source}\n{ex.Message}\n{run.Source("N" + i).Text}");
            }
        }
    }
}
