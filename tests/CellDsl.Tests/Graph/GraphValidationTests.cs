using CellDsl.Compiler;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.Compiler.Planning;
using Xunit;

namespace CellDsl.Tests.Graph;

// The compiler's enums, not the runtime's of the same names (which this namespace would find first).
using InitKind = CellDsl.Compiler.Graph.InitKind;
using ParamKind = CellDsl.Compiler.Graph.ParamKind;

/// <summary>
/// GraphAnalysis.Validate is the gate for graphs that no parser made (the search's mutants, deserialised cells):
/// each kind of malformed graph gets its own message, it never throws, and what it passes the planner, emitter and
/// interpreter can take.
/// </summary>
public class GraphValidationTests
{
    // Every kind of node and parameter: input, states, constant, W, P, Linear (W·v + b), B, + - * neg, activations.
    private static readonly CellGraph Valid = ParsedCells.Parse("""
        [RnnCell]
        public partial class Valid
        {
            static void Step(Var x, ref Var h, ref Var c)
            {
                c = Tanh(W(x) + P(c) + Linear(1f, h) + B()) - 0.5f * c;
                h = -Sigmoid(W(c)) * Relu(c);
            }
        }
        """);

    private static int Find(CellGraph g, Func<Node, bool> what) => g.Nodes.Select((n, i) => (n, i)).First(p => what(p.n)).i;
    private static int Find(CellGraph g, OpKind op) => Find(g, n => n.Op == op);

    private static CellGraph With(CellGraph g, int i, Func<Node, Node> change)
    {
        var nodes = g.Nodes.ToArray();
        nodes[i] = change(nodes[i]);
        return g with { Nodes = nodes.ToEquatableArray() };
    }

    private static CellGraph Append(CellGraph g, Node n) => g with { Nodes = g.Nodes.Concat([n]).ToEquatableArray() };

    /// <summary>A W of node <paramref name="operand"/> appended, with its own weight.</summary>
    private static CellGraph Project(CellGraph g, int operand)
    {
        var withWeight = GraphRewrite.AddParameter(g, new Parameter("W_extra", ParamKind.Dense, Dim.Hidden, InitKind.Uniform, 0f), out int w);
        return Append(withWeight, new Node(OpKind.Dense, new[] { operand }.ToEquatableArray(), Param: w));
    }

    private static CellGraph WithParam(CellGraph g, int p, Func<Parameter, Parameter> change)
    {
        var ps = g.Parameters.ToArray();
        ps[p] = change(ps[p]);
        return g with { Parameters = ps.ToEquatableArray() };
    }

    private static readonly int Dense = Find(Valid, n => n.Op == OpKind.Dense && n.Param2 < 0);
    private static readonly int Linear = Find(Valid, n => n.Op == OpKind.Dense && n.Param2 >= 0);
    private static readonly int Sum = Find(Valid, OpKind.Add);
    private static readonly int Bias = Find(Valid, OpKind.Bias);
    private static readonly int Diag = Find(Valid, OpKind.Diag);
    private static readonly int Const = Find(Valid, OpKind.Const);
    private static readonly int State = Find(Valid, OpKind.State);
    private static readonly int Input = Find(Valid, OpKind.Input);

    public static TheoryData<string, string> Malformed() => new()
    {
        // (what is wrong, a part of the message that says so)
        { "no state", "the cell has no state" },
        { "output out of range", "output state index is out of range" },
        { "one next value for two states", "every state needs exactly one next value" },
        { "operand after its reader", "which is not an earlier node" },
        { "negative operand", "reads node -1" },
        { "one operand for +", "has 1 operands, expected 2" },
        { "operand on a leaf", "(Bias) has 1 operands, expected 0" },
        { "W without a weight", "(Dense) has a wrong parameter reference" },
        { "+ with a parameter", "(Add) has a wrong parameter reference" },
        { "missing parameter", "references a missing parameter" },
        { "unused parameter", "is used by 0 nodes" },
        { "shared parameter", "is used by 2 nodes" },
        { "parameter name twice", "is used twice" },
        { "missing state", "reads a missing state" },
        { "second parameter on P", "(Diag) cannot carry a second parameter" },
        { "projection of a constant", "projects a constant" },
        { "projection of a bias", "projects a bare bias" },
        { "weight of the wrong width", "does not match its operand's size" },
        { "Linear's bias not a bias", "is not a bias" },
        { "bias node with a weight", "is not a bias" },
        { "peephole with a bias", "is not a diagonal weight" },
        { "operation on constants", "computes on constants only" },
        { "next value out of range", "has no next value" },
        { "state assigned a constant", "is assigned a constant" },
        { "state assigned a bias", "is assigned a bare bias" },
        { "unknown operation", "unknown operation (99)" },
    };

    private static CellGraph Break(string what) => what switch
    {
        "no state" => Valid with { States = EquatableArray<string>.Empty, Next = EquatableArray<int>.Empty },
        "output out of range" => Valid with { OutputState = 2 },
        "one next value for two states" => Valid with { Next = new[] { Valid.Next[0] }.ToEquatableArray() },
        "operand after its reader" => With(Valid, Dense, n => n with { Args = new[] { Valid.Nodes.Count - 1 }.ToEquatableArray() }),
        "negative operand" => With(Valid, Dense, n => n with { Args = new[] { -1 }.ToEquatableArray() }),
        "one operand for +" => With(Valid, Sum, n => n with { Args = new[] { n.Args[0] }.ToEquatableArray() }),
        "operand on a leaf" => With(Valid, Bias, n => n with { Args = new[] { Input }.ToEquatableArray() }),
        "W without a weight" => Append(With(Valid, Dense, n => n with { Param = -1 }), new Node(OpKind.Dense, new[] { Input }.ToEquatableArray(), Param: Valid.Nodes[Dense].Param)),
        "+ with a parameter" => Append(With(Valid, Sum, n => n with { Param = Valid.Nodes[Bias].Param }), new Node(OpKind.Bias, EquatableArray<int>.Empty)),
        "missing parameter" => With(Valid, Dense, n => n with { Param = 99 }),
        "unused parameter" => Valid with { Parameters = Valid.Parameters.Concat([new Parameter("spare", ParamKind.Bias, Dim.Hidden, InitKind.Constant, 0f)]).ToEquatableArray() },
        "shared parameter" => Append(Valid, Valid.Nodes[Bias]),
        "parameter name twice" => WithParam(Valid, Valid.Nodes[Bias].Param, p => p with { Name = Valid.Parameters[Valid.Nodes[Dense].Param].Name }),
        "missing state" => With(Valid, State, n => n with { State = 7 }),
        "second parameter on P" => With(Valid with { Nodes = Valid.Nodes }, Diag, n => n with { Param2 = Valid.Nodes[Linear].Param2 }),
        "projection of a constant" => Project(Valid, Const),
        "projection of a bias" => Project(Valid, Bias),
        "weight of the wrong width" => WithParam(Valid, Valid.Nodes[Dense].Param, p => p with { In = Dim.Hidden }),
        "Linear's bias not a bias" => WithParam(Valid, Valid.Nodes[Linear].Param2, p => p with { Kind = ParamKind.Diag }),
        "bias node with a weight" => WithParam(Valid, Valid.Nodes[Bias].Param, p => p with { Kind = ParamKind.Dense }),
        "peephole with a bias" => WithParam(Valid, Valid.Nodes[Diag].Param, p => p with { Kind = ParamKind.Bias }),
        "operation on constants" => Append(Valid, new Node(OpKind.Mul, new[] { Const, Const }.ToEquatableArray())),
        "next value out of range" => Valid with { Next = new[] { Valid.Next[0], 99 }.ToEquatableArray() },
        "state assigned a constant" => Valid with { Next = new[] { Valid.Next[0], Const }.ToEquatableArray() },
        "state assigned a bias" => Valid with { Next = new[] { Bias, Valid.Next[1] }.ToEquatableArray() },
        "unknown operation" => With(Valid, Find(Valid, OpKind.Relu), n => n with { Op = (OpKind)99 }),
        _ => throw new ArgumentException(what),
    };

    [Fact]
    public void The_parsed_graph_the_cases_start_from_is_valid()
    {
        Assert.Empty(GraphAnalysis.Validate(Valid));
        Assert.Equal(9, new[] { Dense, Linear, Sum, Bias, Diag, Const, State, Input, Find(Valid, OpKind.Neg) }.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Each_malformed_graph_is_rejected_with_a_message_that_says_why(string what, string message)
    {
        var errors = GraphAnalysis.Validate(Break(what));
        Assert.True(errors.Any(e => e.Contains(message, StringComparison.Ordinal)), $"{what}: expected '{message}', got: {string.Join("; ", errors)}");
    }

    [Fact]
    public void Random_corruptions_never_crash_the_gate_and_what_it_passes_compiles()
    {
        // One to three random field changes to zoo-like graphs; Validate must not throw, and a graph it passes must
        // plan, emit and interpret without an exception (the promise the search relies on).
        var bases = new[] { Valid, ParsedCells.Zoo("Lstm"), ParsedCells.Zoo("Gru"), ParsedCells.Zoo("Mut1") };
        var rng = new Random(2026);
        int passed = 0;
        for (int n = 0; n < 600; n++)
        {
            var g = bases[n % bases.Length];
            int edits = 1 + rng.Next(3);
            for (int e = 0; e < edits; e++) g = Corrupt(g, rng);
            List<string> errors;
            try
            {
                errors = GraphAnalysis.Validate(g);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"case {n}: Validate threw {ex}\n{Text(g)}");
            }
            if (errors.Count > 0) continue;
            passed++;
            try
            {
                CellEmitter.Emit(g, EmitTarget.Of("Gate", "Candidate"));
                int size = GraphAnalysis.SquareRequirement(g) is null ? 3 : 4;
                var oracle = new ReferenceInterpreter(g, size, 4);
                var p = new double[oracle.ParameterCount];
                oracle.Forward(p, new double[2 * size], 2, 1, new double[g.StateCount * 4]);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"case {n}: a graph Validate passes fails later: {ex}\n{Text(g)}");
            }
        }
        // Some corruptions keep the graph valid (an operand swapped for another earlier one): the second half is exercised.
        Assert.True(passed >= 20, $"only {passed} corrupted graphs passed the gate");
    }

    private static string Text(CellGraph g)
    {
        try { return GraphText.Write(g); }
        catch (Exception) { return "(the graph has no text form)"; }
    }

    private static CellGraph Corrupt(CellGraph g, Random rng)
    {
        int count = g.Nodes.Count;
        int i = rng.Next(count);
        int Any() => rng.Next(-1, count + 1);
        switch (rng.Next(10))
        {
            case 0: return With(g, i, n => n with { Op = (OpKind)rng.Next(-1, 15) });
            case 1: return With(g, i, n => n with { Args = n.Args.Select(_ => i > 0 ? rng.Next(i) : Any()).ToEquatableArray() });
            case 2: return With(g, i, n => n with { Args = Enumerable.Range(0, rng.Next(4)).Select(_ => Any()).ToEquatableArray() });
            case 3: return With(g, i, n => n with { Param = rng.Next(-1, g.Parameters.Count + 1) });
            case 4: return With(g, i, n => n with { Param2 = rng.Next(-1, g.Parameters.Count + 1) });
            case 5: return With(g, i, n => n with { State = rng.Next(-1, g.StateCount + 1) });
            case 6:
            {
                var next = g.Next.ToArray();
                if (next.Length > 0) next[rng.Next(next.Length)] = rng.Next(-1, count + 1);
                return g with { Next = next.ToEquatableArray() };
            }
            case 7: return g with { OutputState = rng.Next(-1, g.StateCount + 1) };
            case 8:
                return g.Parameters.Count == 0 ? g : WithParam(g, rng.Next(g.Parameters.Count),
                    p => p with { Kind = (ParamKind)rng.Next(3), In = (Dim)rng.Next(3), InitKind = (InitKind)rng.Next(3) });
            default: return With(g, i, n => n with { Value = rng.Next(2) == 0 ? float.NaN : -1f });
        }
    }
}
