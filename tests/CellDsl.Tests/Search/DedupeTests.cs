using CellDsl.Compiler.Graph;
using CellDsl.Search.Mutation;
using CellDsl.Search.Store;
using CellDsl.Tests.Graph;
using Xunit;

namespace CellDsl.Tests.Search;

/// <summary>A candidate is its canonical key: cells that differ only in names or operand order are one architecture.</summary>
public class DedupeTests
{
    private static Architecture Arch(CellGraph g, string name)
        => new(0, name, CanonicalKey.Of(g), GraphText.Write(g), null, null, 0, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_mutant_that_equals_a_stored_cell_up_to_names_and_operand_order_is_not_a_new_candidate()
    {
        // The mutation turns the sum into a product; the stored cell writes that product the other way round, with
        // other names for its input, state and weights.
        var parent = ParsedCells.Body("var s = W(h) + W(x); h = Tanh(s);");
        var stored = ParsedCells.Parse("[RnnCell]\npublic partial class Other\n{\n    static void Step(Var input, ref Var state) { state = Tanh(W(input, \"A\") * W(state, \"B\")); }\n}\n");
        int add = parent.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Op == OpKind.Add).i;
        var mutant = Enumerable.Range(0, 20)
            .Select(s => GraphRewrite.DropDeadNodes(Mutator.Apply(parent, add, MutationOperator.ChangeElementwise, new CellRandom(s), out _)))
            .First(g => g.Nodes.Any(n => n.Op == OpKind.Mul));
        Assert.NotEqual(GraphText.Write(stored), GraphText.Write(mutant));

        using var store = new InMemorySearchStore();
        var (first, added) = store.AddArchitecture(Arch(stored, "stored"));
        Assert.True(added);
        var (again, addedAgain) = store.AddArchitecture(Arch(mutant, "mutant"));
        Assert.False(addedAgain);
        Assert.Equal(first.Id, again.Id);
    }

    [Fact]
    public void A_mutant_that_computes_something_else_is_a_new_candidate()
    {
        var parent = ParsedCells.Body("h = Tanh(W(x) + W(h));");
        var keys = Enumerable.Range(0, 30).Select(s => CanonicalKey.Of(Mutator.Mutate(parent, s).Graph)).Distinct().ToList();
        Assert.DoesNotContain(CanonicalKey.Of(parent), keys);
        Assert.True(keys.Count > 10);
    }
}
