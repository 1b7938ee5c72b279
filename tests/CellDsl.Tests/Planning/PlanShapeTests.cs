using System.Text;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Planning;
using CellDsl.Compiler.Printing;
using CellDsl.Tests.Graph;
using Xunit;

namespace CellDsl.Tests.Planning;

/// <summary>
/// The schedule of every zoo cell, stated from its equations: which projections stack into one GEMM before the time
/// loop and per step, and which fused loops run around them. What does not depend on a state runs once before the
/// loop; a node's stage is the number of projections on its longest path, so a projection of a value computed in
/// the step starts a new stage. With these, the snapshots need to show only a few shapes of emitted code.
/// </summary>
public class PlanShapeTests
{
    /// <summary>"pre[...] step[...][...]": per phase, each non-empty stage as its GEMMs (operand × projections
    /// stacked) and its fused loops (I: over input columns, H: over hidden columns).</summary>
    private static string Shape(CellPlan plan)
    {
        var sb = new StringBuilder();
        foreach (var (phase, count) in new[] { (Phase.Pre, plan.PreStageCount), (Phase.Step, plan.StepStageCount) })
        {
            sb.Append(phase == Phase.Pre ? "pre" : " step");
            for (int s = 0; s < count; s++)
            {
                var parts = plan.GroupsOf(phase, s).Select(g => $"gemm {DslPrinter.Expression(plan.Graph, g.Operand)}×{g.Nodes.Count}").ToList();
                if (plan.ForwardLoop(phase, s, Dim.Input).Count > 0) parts.Add("loop I");
                if (plan.ForwardLoop(phase, s, Dim.Hidden).Count > 0) parts.Add("loop H");
                if (parts.Count > 0) sb.Append('[').Append(string.Join("; ", parts)).Append(']');
            }
        }
        return sb.ToString();
    }

    public static TheoryData<string, string> Zoo() => new()
    {
        // Elman: one input projection for all steps, one recurrent projection and one loop per step.
        { "TanhRnn", "pre[gemm x×1] step[gemm h×1; loop H]" },
        // The LSTM family: the gates' projections of x stacked before the loop, those of h per step, and the gates
        // and the cell update in one loop after the step's GEMM.
        { "Lstm", "pre[gemm x×4] step[gemm h×4; loop H]" },
        { "LstmB", "pre[gemm x×4] step[gemm h×4; loop H]" },
        { "Np", "pre[gemm x×4] step[gemm h×4; loop H]" },
        // Jozefowicz et al.'s ablations drop one gate of the LSTM: three projections of each operand.
        { "LstmF", "pre[gemm x×3] step[gemm h×3; loop H]" },
        { "LstmI", "pre[gemm x×3] step[gemm h×3; loop H]" },
        { "LstmO", "pre[gemm x×3] step[gemm h×3; loop H]" },
        // With peepholes, p ⊙ c of the old cell needs no projection of this step, and a node runs in the earliest
        // stage it can: a loop of its own before the step's GEMM. (Running it as late as its reader would save that
        // pass over B·H; it is the planner's choice, not the arithmetic's.)
        { "PeepholeLstm", "pre[gemm x×4] step[loop H][gemm h×4; loop H]" },
        { "Niaf", "pre[gemm x×4] step[loop H][gemm h×4; loop H]" },
        { "Noaf", "pre[gemm x×4] step[loop H][gemm h×4; loop H]" },
        { "Cifg", "pre[gemm x×3] step[loop H][gemm h×3; loop H]" },
        { "Nig", "pre[gemm x×3] step[loop H][gemm h×3; loop H]" },
        { "Nfg", "pre[gemm x×3] step[loop H][gemm h×3; loop H]" },
        { "Nog", "pre[gemm x×3] step[loop H][gemm h×3; loop H]" },
        // FGR: the gates are states too, each projected into the three gates, all in the step's one stage.
        { "Fgr", "pre[gemm x×4] step[loop H][gemm h×4; gemm i×3; gemm f×3; gemm o×3; loop H]" },
        // PyTorch's GRU: the reset gate scales W h + b, so all three recurrent projections run at once; W_in x + b_in
        // reads x alone and is summed once for all steps.
        { "GruTorch", "pre[gemm x×3; loop H] step[gemm h×3; loop H]" },
        // Cho's GRU: W(r ⊙ h) needs r first, a second stage per step.
        { "Gru", "pre[gemm x×3] step[gemm h×2; loop H][gemm r * h×1; loop H]" },
        // MUT1: z and 1 - z depend on x alone (a loop before the time loop), and so does tanh(x), over input columns;
        // h ⊙ (1 - z) needs no projection, so it opens the step.
        { "Mut1", "pre[loop I][gemm x×2; loop H] step[loop H][gemm h×1; loop H][gemm r * h×1; loop H]" },
        // MUT2: r reads x raw (I == H), z and r need h.
        { "Mut2", "pre[gemm x×2] step[gemm h×2; loop H][gemm r * h×1; loop H]" },
        // MUT3: tanh(h) is computed before its projection, so it opens the step.
        { "Mut3", "pre[gemm x×3] step[loop H][gemm h×1; gemm Tanh(h)×1; loop H][gemm r * h×1; loop H]" },
    };

    [Theory]
    [MemberData(nameof(Zoo))]
    public void Zoo_cell_is_scheduled_as_its_equations_say(string cell, string shape)
    {
        string actual = Shape(CellPlan.Create(ParsedCells.Zoo(cell)));
        Assert.True(actual == shape, $"{cell} is scheduled\n  {actual}\nnot\n  {shape}");
    }

    [Fact]
    public void Every_zoo_cell_has_a_stated_schedule()
        => Assert.Equal(Generator.Support.ZooSources.CellNames().Order(StringComparer.Ordinal), Zoo().Select(r => (string)r[0]).Order(StringComparer.Ordinal));
}
