using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using Xunit;

namespace CellDsl.Tests.Graph;

/// <summary>The op table is the one definition of each op: complete, consistent with what the runtime offers, and
/// with adjoint rules that differentiate its own float64 evaluations.</summary>
public class OpsTests
{
    [Fact]
    public void The_table_has_one_consistent_entry_per_op()
    {
        foreach (var kind in Enum.GetValues<OpKind>())
        {
            var op = Ops.Of(kind);
            Assert.Equal(kind, op.Kind);
            int arity = op.Form switch { OpForm.Leaf => 0, OpForm.Infix => 2, _ => 1 };
            Assert.Equal(arity, op.Arity);
            bool written = op.Form is OpForm.Infix or OpForm.Prefix or OpForm.Call;
            Assert.True(written == (op.Evaluate is not null) && written == (op.Adjoint is not null), $"{kind}: form, evaluation and adjoint rule go together");
            if (written) Assert.True(op.IsElementwise, $"{kind} is written as an operator but not elementwise");
        }
        Assert.Equal(Enum.GetValues<OpKind>().Length, Ops.All.Count);
        Assert.False(Ops.IsKnown((OpKind)Ops.All.Count));
        Assert.Equal("op", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Of((OpKind)(-1))).ParamName);
    }

    [Fact]
    public void Every_activation_is_a_DSL_method_and_an_ISimd_member()
    {
        // What the parser accepts and the kernel writer calls: CellOps.Name(Var) and V.Name(V) must exist.
        foreach (var op in Ops.Calls)
        {
            Assert.NotNull(typeof(CellOps).GetMethod(op.Name, [typeof(Var)]));
            Assert.Contains(typeof(CellDsl.Kernels.ISimd<>).GetMethods(), m => m.Name == op.Name && m.GetParameters().Length == 1);
        }
        Assert.Equal(["Sigmoid", "Tanh", "Relu"], Ops.Calls.Select(o => o.Name));
    }

    public static TheoryData<OpKind> Written()
    {
        var data = new TheoryData<OpKind>();
        foreach (var op in Ops.All) if (op.Evaluate is not null) data.Add(op.Kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(Written))]
    public void Each_ops_adjoint_rule_matches_finite_differences_of_its_evaluation(OpKind kind)
    {
        // A one-op cell around the op, its operands two different functions of x and h: reverse mode over the
        // table's rule against central differences of the table's evaluation.
        var b = new CellBuilder("One", "x", ["h"]);
        int First() => b.Activation(OpKind.Tanh, b.Combine(OpKind.Add, CellValue.OfNode(b.Dense(b.Input(), null, "x", "a")), CellValue.OfNode(b.Bias(0f, null, "a"))).Node);
        int Second() => b.Activation(OpKind.Sigmoid, b.Combine(OpKind.Add, CellValue.OfNode(b.Dense(b.PreviousState(0), null, "h", "b")), CellValue.OfNode(b.Bias(0f, null, "b"))).Node);
        var op = Ops.Of(kind);
        int node = op.Arity == 2
            ? b.Combine(kind, CellValue.OfNode(First()), CellValue.OfNode(Second())).Node
            : kind == OpKind.Neg ? b.Negate(CellValue.OfNode(First())).Node
            : b.Activation(kind, b.Combine(OpKind.Sub, CellValue.OfNode(First()), CellValue.OfNode(Second())).Node);
        var g = b.Build([node]);
        Assert.Empty(GraphAnalysis.Validate(g));

        var oracle = new ReferenceInterpreter(g, 3, 3);
        var rng = new CellRandom(31 + (int)kind);
        double[] R(long n) { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = rng.NextDouble() * 2 - 1; return a; }
        int T = 2, B = 2;
        var p = R(oracle.ParameterCount);
        var x = R(T * B * 3); var h0 = R(B * 3); var wy = R(T * B * 3); var wf = R(B * 3);
        var rev = oracle.Backward(p, oracle.Forward(p, x, T, B, h0), wy, wf);
        var fd = oracle.FiniteDifferences(p, x, T, B, h0, wy, wf);
        foreach (var (name, e, a) in new[] { ("parameters", fd.Parameters, rev.Parameters), ("x", fd.Input, rev.Input), ("h0", fd.InitialState, rev.InitialState) })
        {
            double scale = Math.Max(1e-3, e.Max(Math.Abs));
            double err = e.Zip(a, (u, v) => Math.Abs(u - v)).Max();
            Assert.True(err / scale < 1e-7, $"{kind}: d/d{name} by its rule differs from finite differences by {err / scale:E2}");
        }
    }
}
