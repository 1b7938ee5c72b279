using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Planning;
using CellDsl.Tests.Graph;
using Xunit;

namespace CellDsl.Tests.Planning;

/// <summary>
/// The plan as the schedule: ordered steps whose store-or-add decisions are made before any code is written, and
/// whose FLOPs and bytes, counted from the plan alone, match what the equations say by hand. Sizes are distinct
/// primes so that a swapped I and H, or B and T, shows.
/// </summary>
public class PlanCostTests
{
    private static readonly CellSizes Sizes = new(Input: 3, Hidden: 5, Batch: 7, Steps: 11);
    private const double I = 3, H = 5, B = 7;

    /// <summary>The cost per time step of the steps of a pass that <paramref name="which"/> picks.</summary>
    private static Cost PerStep<TStep>(PassSchedule pass, Func<TStep, bool>? which = null) where TStep : PlanStep
    {
        var total = new Cost(0, 0);
        foreach (var s in pass.Before.Concat(pass.After).OfType<TStep>().Where(which ?? (_ => true))) total += s.CostAt(Sizes);
        foreach (var s in pass.EachStep.OfType<TStep>().Where(which ?? (_ => true))) total += (double)Sizes.Steps * s.CostAt(Sizes);
        return new Cost(total.Flops / Sizes.Steps, total.Bytes / Sizes.Steps);
    }

    [Fact]
    public void Lstm_forward_gemms_cost_two_B_times_I_plus_H_times_4H_flops_per_step()
    {
        var plan = CellPlan.Create(ParsedCells.Zoo("Lstm"));
        Assert.Equal(2 * B * (I + H) * 4 * H, PerStep<GemmStep>(plan.Forward).Flops);
        // Backward: dv = dZ · W for x and h, and dW = dZᵀ · v for both weights: twice the forward products.
        Assert.Equal(2 * 2 * B * (I + H) * 4 * H, PerStep<GemmStep>(plan.Backward).Flops);
    }

    [Fact]
    public void Cho_gru_forward_gemms_cost_two_B_times_I_plus_H_times_3H_flops_per_step()
    {
        // x · [W_z | W_r | W_n]ᵀ before the loop, h · [W_z | W_r]ᵀ and (r ⊙ h) · W_nᵀ per step.
        var plan = CellPlan.Create(ParsedCells.Zoo("Gru"));
        Assert.Equal(2 * B * (I + H) * 3 * H, PerStep<GemmStep>(plan.Forward).Flops);
        Assert.Equal(2 * 2 * B * (I + H) * 3 * H, PerStep<GemmStep>(plan.Backward).Flops);
        Assert.Equal(3, plan.Forward.Steps.OfType<GemmStep>().Count());
    }

    [Fact]
    public void Lstm_recurrent_gemm_moves_h_the_stacked_weights_and_the_gate_projections()
    {
        var plan = CellPlan.Create(ParsedCells.Zoo("Lstm"));
        var recurrent = Assert.Single(plan.Forward.EachStep.OfType<GemmStep>());
        Assert.Equal((B, 4 * H, H), recurrent.Shape(Sizes));
        Assert.Equal(4 * (B * H + H * 4 * H + B * 4 * H), recurrent.CostAt(Sizes).Bytes);
        // Packing reads and writes each of the 4H·(I + H) weights once per pass.
        Assert.Equal(2 * 4 * 4 * H * (I + H), plan.Forward.Before.OfType<PackStep>().Sum(p => p.CostAt(Sizes).Bytes));
    }

    [Fact]
    public void Lstm_forward_loop_counts_seventeen_operations_and_sixteen_floats_per_element()
    {
        // i, f, g, o: two adds and an activation each (12); c = f * c + i * g (3); h = o * Tanh(c) (2). It reads the
        // eight projections and the old c, and writes the four gates, c, Tanh(c) (the backward reads them) and h;
        // the four biases are read once per column.
        var plan = CellPlan.Create(ParsedCells.Zoo("Lstm"));
        var loop = Assert.Single(plan.Forward.EachStep.OfType<LoopStep>());
        Assert.Equal(17 * B * H, loop.CostAt(Sizes).Flops);
        Assert.Equal(4 * (16 * B * H + 4 * H), loop.CostAt(Sizes).Bytes);
    }

    [Fact]
    public void Lstm_backward_stores_first_writes_and_adds_only_the_weight_gradients()
    {
        var plan = CellPlan.Create(ParsedCells.Zoo("Lstm"));
        // h's adjoint is dY + the carry (one sum), c's is the carry (a copy): neither adds to anything.
        var flows = plan.Backward.EachStep.OfType<RowsStep>().Take(2).Select(r => r.Op).ToList();
        Assert.Equal(new[] { RowsOp.Sum, RowsOp.Copy }, flows);
        // Each gate sums W_x·x and W_h·h in one add, so h's projections share x's dZ columns: the loop stores those
        // four columns once (as terms: x's projections are not in the loop) and dL/d(old c); h's projections, in the
        // loop, store nothing of their own. dh and dx are each one GEMM that stores.
        Assert.Equal(plan.Groups[0].DZ, plan.Groups[1].DZ);
        for (int c = 0; c < 4; c++) Assert.Equal(plan.Groups[0].Nodes[c], plan.SharedAdjoint[plan.Groups[1].Nodes[c]]);
        var loop = Assert.Single(plan.Backward.EachStep.OfType<LoopStep>());
        Assert.DoesNotContain(loop.Adjoints.SelectMany(a => a.Writes), w => w == TermWrite.Add);
        Assert.Equal(0, loop.Adjoints.Count(a => a.StoresOwn));
        Assert.Equal(5, loop.Adjoints.SelectMany(a => a.Writes).Count(w => w == TermWrite.Store));
        Assert.Equal(4, loop.Adjoints.SelectMany(a => a.Writes).Count(w => w == TermWrite.Gradient));
        Assert.All(plan.Backward.Steps.OfType<GemmStep>().Where(g => g.Kind == GemmKind.AdjointOfOperand), g => Assert.False(g.Accumulate));
        Assert.All(plan.Backward.Steps.OfType<GemmStep>().Where(g => g.Kind == GemmKind.WeightGradient), g => Assert.True(g.Accumulate));
        Assert.DoesNotContain(plan.Backward.Steps.OfType<RowsStep>(), r => r.Op == RowsOp.Clear);
    }

    [Fact]
    public void Projections_share_a_dZ_only_where_one_add_sums_them_column_for_column()
    {
        // W(x) + W(Tanh(x)), both before the loop: Tanh(x)'s projection shares x's; W(h) is added to that sum, not
        // to a projection, so it keeps its own.
        var pre = CellPlan.Create(ParsedCells.Body("h = Tanh(W(x) + W(Tanh(x)) + W(h) + B());"));
        Assert.Equal(3, pre.Groups.Count);
        Assert.Equal(pre.Groups[0].DZ, pre.Groups[1].DZ);
        Assert.Equal(pre.Groups[0].Nodes[0], pre.SharedAdjoint[pre.Groups[1].Nodes[0]]);
        Assert.NotEqual(pre.Groups[0].DZ, pre.Groups[2].DZ);
        Assert.Null(pre.SharedAdjoint[pre.Groups[2].Nodes[0]]);
        // A difference is not a sum (dL/dv = −dL/d(u − v)), a projection used twice has two adjoint sources, and
        // a GRU's h-group sums with two of x's three columns: none of them shares.
        foreach (var body in new[] { "h = Tanh(W(x) - W(h));", "var u = W(h); h = Tanh(W(x) + u) * u;" })
        {
            var plan = CellPlan.Create(ParsedCells.Body(body));
            Assert.All(plan.SharedAdjoint, s => Assert.Null(s));
            Assert.Equal(plan.Groups.Count, plan.Groups.Select(g => g.DZ).Distinct().Count());
        }
        var gru = CellPlan.Create(ParsedCells.Zoo("Gru"));
        Assert.All(gru.SharedAdjoint, s => Assert.Null(s));
    }

    [Theory]
    [MemberData(nameof(PlanShapeTests.Zoo), MemberType = typeof(PlanShapeTests))]
    public void Zoo_cells_emit_exactly_the_steps_of_their_plan(string cell, string shape)
    {
        _ = shape;
        var graph = ParsedCells.Zoo(cell);
        var plan = CellPlan.Create(graph);
        string code = CellEmitter.Emit(graph, EmitTarget.Of(null, cell));
        var all = plan.Forward.Steps.Concat(plan.Backward.Steps).ToList();
        Assert.Equal(all.OfType<GemmStep>().Count(), Count(code, "Sgemm.Multiply("));
        Assert.Equal(all.OfType<LoopStep>().Count(), Count(code, "Columns.Run("));
        Assert.Equal(all.OfType<PackStep>().Count(), Count(code, ".Pack(transB"));
        // The cost of a training step is the sum of its passes', and every pass does work.
        var cost = plan.CostPerStep(Sizes);
        Assert.Equal(plan.Forward.CostPerStep(Sizes).Flops + plan.Backward.CostPerStep(Sizes).Flops, cost.Flops);
        Assert.True(plan.Forward.CostPerStep(Sizes).Flops > 0 && plan.Backward.CostPerStep(Sizes).Flops > plan.Forward.CostPerStep(Sizes).Flops);
    }

    private static int Count(string text, string what) => text.Split(what).Length - 1;
}
