using CellDsl.Compiler;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.RuntimeCompilation;
using CellDsl.Search.Candidates;
using CellDsl.Search.Mutation;
using CellDsl.Testing;
using CellDsl.Tests.Graph;
using Xunit;

namespace CellDsl.Tests.Search;

/// <summary>The paper's six operators, each on a known cell against the parser's graph of the expected declaration,
/// and the whole mutation over many seeds: valid, reproducible, and compiling to code that gradient-checks.</summary>
public class MutationTests
{
    private static readonly CellGraph Rnn = ParsedCells.Body("h = Tanh(W(x) + W(h) + B());");

    private static int Find(CellGraph g, OpKind op) => g.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Op == op).i;

    private static string Key(CellGraph g) => CanonicalKey.Of(g);

    /// <summary>What the operator makes of the node over many seeds, as canonical keys, each result validated.</summary>
    private static HashSet<string> Outcomes(CellGraph g, int node, MutationOperator op, int seeds = 200)
    {
        var keys = new HashSet<string>();
        for (int s = 0; s < seeds; s++)
        {
            var edited = GraphRewrite.DropDeadNodes(Mutator.Apply(g, node, op, new CellRandom(s), out _));
            Assert.Empty(GraphAnalysis.Validate(edited));
            keys.Add(Key(edited));
        }
        return keys;
    }

    private static HashSet<string> Keys(IEnumerable<string> bodies) => bodies.Select(b => Key(ParsedCells.Body(b))).ToHashSet();

    private static readonly string[] Activations = ["Tanh({0})", "Sigmoid({0})", "Relu({0})", "Linear(0f, {0})", "Linear(1f, {0})", "Linear(0.9f, {0})", "Linear(1.1f, {0})"];

    [Fact]
    public void Changing_an_activation_gives_each_other_activation_of_the_set()
    {
        var expected = Keys(Activations.Skip(1).Select(a => "h = " + string.Format(a, "W(x) + W(h) + B()") + ";"));
        Assert.Equal(expected, Outcomes(Rnn, Find(Rnn, OpKind.Tanh), MutationOperator.ChangeActivation));
    }

    [Fact]
    public void Changing_a_projection_treats_it_as_an_activation_so_mut1s_tanh_of_x_is_reachable()
    {
        var g = ParsedCells.Body("h = Tanh(W(x) + B());");
        var expected = Keys(Activations.Select(a => "h = Tanh(" + string.Format(a, "x") + " + B());"));
        Assert.Equal(expected, Outcomes(g, Find(g, OpKind.Dense), MutationOperator.ChangeActivation));
    }

    [Fact]
    public void Changing_an_elementwise_op_gives_the_other_two()
    {
        var g = ParsedCells.Body("h = Tanh(W(x) * W(h));");
        Assert.Equal(Keys(["h = Tanh(W(x) + W(h));", "h = Tanh(W(x) - W(h));"]), Outcomes(g, Find(g, OpKind.Mul), MutationOperator.ChangeElementwise));
    }

    [Fact]
    public void Inserting_an_activation_puts_one_of_the_set_before_either_operand()
    {
        var g = ParsedCells.Body("h = Tanh(W(x) - W(h));");
        var expected = Keys(Activations.SelectMany(a => new[]
        {
            "h = Tanh(" + string.Format(a, "W(x)") + " - W(h));",
            "h = Tanh(W(x) - " + string.Format(a, "W(h)") + ");",
        }));
        Assert.Equal(expected, Outcomes(g, Find(g, OpKind.Sub), MutationOperator.InsertActivation, seeds: 400));
    }

    [Fact]
    public void Removing_a_node_with_one_input_and_one_output_splices_it_out()
    {
        var g = ParsedCells.Body("h = Tanh(Sigmoid(W(x) + W(h)));");
        Assert.Equal(Keys(["h = Tanh(W(x) + W(h));"]), Outcomes(g, Find(g, OpKind.Sigmoid), MutationOperator.RemoveNode, seeds: 5));
    }

    [Fact]
    public void Removing_applies_only_to_nodes_with_one_input_and_one_output()
    {
        var g = ParsedCells.Body("var s = Sigmoid(W(h)); h = Tanh(s * s + W(x));");
        Assert.DoesNotContain(MutationOperator.RemoveNode, Mutator.Applicable(g, Find(g, OpKind.Sigmoid)));   // read twice
        Assert.DoesNotContain(MutationOperator.RemoveNode, Mutator.Applicable(g, Find(g, OpKind.Mul)));       // two inputs
        Assert.Contains(MutationOperator.RemoveNode, Mutator.Applicable(g, Find(g, OpKind.Tanh)));            // one input, read by the state
        Assert.Throws<ArgumentException>(() => Mutator.Apply(g, Find(g, OpKind.Mul), MutationOperator.RemoveNode, new CellRandom(1), out _));
    }

    [Fact]
    public void Replacing_a_node_with_an_ancestor_gives_each_ancestor_in_its_place()
    {
        var g = ParsedCells.Body("h = Tanh(W(x) + W(h));");
        var expected = Keys(["h = Tanh(W(x));", "h = Tanh(W(h));", "h = Tanh(x);", "h = Tanh(h);"]);
        Assert.Equal(expected, Outcomes(g, Find(g, OpKind.Add), MutationOperator.ReplaceWithAncestor));
    }

    [Fact]
    public void Replacing_a_node_with_a_combination_takes_an_ancestor_of_it_and_one_of_its_parent()
    {
        // h = tanh(s), s = wx + wh. Ancestors of the tanh: s, wx, wh, x, h; of its parent s: wx, wh, x, h.
        var g = ParsedCells.Body("h = Tanh(W(x) + W(h));");
        string[] ofNode = ["s", "wx", "wh", "x", "h"], ofParent = ["wx", "wh", "x", "h"];
        string Declare(string a, string b)
        {
            var used = new[] { a, b };
            bool s = used.Contains("s");
            string d = "";
            if (s || used.Contains("wx")) d += "var wx = W(x); ";
            if (s || used.Contains("wh")) d += "var wh = W(h); ";
            if (s) d += "var s = wx + wh; ";
            return d;
        }
        var expected = Keys(from a in ofNode from b in ofParent from op in new[] { "+", "-", "*" }
                            select Declare(a, b) + $"h = {a} {op} {b};");
        Assert.Equal(expected, Outcomes(g, Find(g, OpKind.Tanh), MutationOperator.ReplaceWithCombination, seeds: 1500));
    }

    private static readonly string[] ZooCells = ["tanh", "lstm", "lstm-b", "gru", "mut1", "mut3", "peephole", "cifg"];

    [Fact]
    public void Every_mutant_over_many_seeds_is_valid_changed_and_made_again_by_its_seed()
    {
        var used = new HashSet<string>();
        foreach (var name in ZooCells)
        {
            var parent = Baselines.Of(name);
            for (long seed = 0; seed < 60; seed++)
            {
                var m = Mutator.Mutate(parent, seed);
                Assert.Empty(GraphAnalysis.Validate(m.Graph));
                Assert.NotEqual(Key(parent), Key(m.Graph));
                Assert.NotEmpty(m.Edits);
                Assert.Equal(GraphText.Write(m.Graph), GraphText.Write(Mutator.Mutate(parent, seed).Graph));
                foreach (var e in m.Edits) used.Add(e.Contains("becomes Linear") || e.Contains("becomes tanh") || e.Contains("becomes sigmoid") || e.Contains("becomes relu") ? "activation"
                    : e.Contains("becomes") ? "elementwise" : e.Contains("inserted") ? "insert" : e.Contains("removed") ? "remove" : e.Contains("ancestor") ? "ancestor" : "combination");
            }
        }
        Assert.Equal(6, used.Count);
    }

    [Fact]
    public void Different_seeds_give_different_mutants()
    {
        var keys = Enumerable.Range(0, 50).Select(s => Key(Mutator.Mutate(Baselines.Gru, s).Graph)).ToHashSet();
        Assert.True(keys.Count > 40, $"only {keys.Count} distinct mutants of 50 seeds");
    }

    [Fact]
    public void A_sample_of_mutants_compiles_in_one_assembly_and_gradient_checks()
    {
        var mutants = new List<(CellGraph Graph, string Class)>();
        foreach (var name in new[] { "lstm", "gru", "mut1" })
            for (long seed = 0; seed < 4; seed++)
                mutants.Add((Mutator.Mutate(Baselines.Of(name), seed).Graph, $"M_{name.Replace("-", "_")}_{seed}"));
        using var compiled = CellCompiler.Compile(mutants.Select(m => new CellSource(m.Graph with { Name = m.Class }, EmitTarget.Of("Mutants", m.Class))));
        var failures = new List<string>();
        foreach (var (graph, cls) in mutants)
        {
            var cell = compiled.Create("Mutants." + cls, 3, 3, seed: 7);
            // Biases start at 0, where a mutant's Relu(b) sits on its kink and finite differences see half a slope.
            new CellRandom(11).FillUniform(cell.Parameters, -0.5f, 0.5f);
            var report = GradientCheck.Run(cell, steps: 3, batch: 2);
            if (!report.Passed(2e-3)) failures.Add(report + "\n" + GraphText.Write(graph));
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}
