using System.Collections.Generic;
using CellDsl.Compiler.Graph;

namespace CellDsl.Compiler.Planning
{
    /// <summary>The sizes a cost is counted at: input I, hidden H, batch B and steps T.</summary>
    public readonly record struct CellSizes(int Input, int Hidden, int Batch, int Steps);

    /// <summary>
    /// What a step costs: floating-point operations (a multiply-add is two; every elementwise operation, an
    /// activation included, is one per element) and bytes read or written in the workspace, parameters and gradients
    /// (each element once per step: a parameter row a loop reads for every batch row counts once).
    /// </summary>
    public readonly record struct Cost(double Flops, double Bytes)
    {
        public static Cost operator +(Cost a, Cost b) => new Cost(a.Flops + b.Flops, a.Bytes + b.Bytes);
        public static Cost operator *(double k, Cost a) => new Cost(k * a.Flops, k * a.Bytes);
    }

    /// <summary>One step of a pass's schedule, in execution order. Steps inside the time loop run on the B rows of
    /// step t; the others on all T·B rows at once (or, for packs, on the weights).</summary>
    public abstract record PlanStep
    {
        /// <summary>A line the emitted code carries above the step (a section heading), or null.</summary>
        public string? Comment { get; init; }

        /// <summary>The step's cost for one execution: steps inside the time loop run T times a pass.</summary>
        public abstract Cost CostAt(CellSizes s);

        private protected static double RowCount(bool inStep, CellSizes s) => inStep ? s.Batch : (double)s.Steps * s.Batch;
        private protected static double Size(Dim d, CellSizes s) => d == Dim.Input ? s.Input : s.Hidden;
    }

    /// <summary>Packs a group's stacked weights once per pass: for the projection (op(B) = Wᵀ, [dim, G·H]) or, for the
    /// adjoint GEMMs dv += dZ · W, as [G·H, dim].</summary>
    public sealed record PackStep(GemmGroup Group, Dim OperandUnit, bool ForAdjoint) : PlanStep
    {
        public override Cost CostAt(CellSizes s) => new Cost(0, 2.0 * 4 * Group.Nodes.Count * s.Hidden * Size(OperandUnit, s));
    }

    public enum GemmKind
    {
        /// <summary>Z[rows, G·H] = v · [W₀ | W₁ | …]ᵀ, with the packed weights.</summary>
        Projection,
        /// <summary>dv (+)= dZ · [W₀ | W₁ | …], with the weights packed for it.</summary>
        AdjointOfOperand,
        /// <summary>dW += dZᵀ · v over all T·B rows.</summary>
        WeightGradient,
    }

    /// <summary>
    /// A GEMM of a group: <paramref name="V"/> is where v (or dv) lives, <paramref name="Z"/> where Z (or dZ) does.
    /// <paramref name="Accumulate"/> says whether it adds to what its output (Z, dv or dW) holds or stores: the first
    /// write to a location stores, so no gradient buffer is cleared.
    /// </summary>
    public sealed record GemmStep(GemmKind Kind, GemmGroup Group, Location V, Dim OperandUnit, Location Z,
        bool Accumulate, bool InStep) : PlanStep
    {
        /// <summary>The product's M, N and K.</summary>
        public (double M, double N, double K) Shape(CellSizes s)
        {
            double gh = (double)Group.Nodes.Count * s.Hidden, dim = Size(OperandUnit, s), rows = RowCount(InStep, s);
            return Kind switch
            {
                GemmKind.Projection => (rows, gh, dim),
                GemmKind.AdjointOfOperand => (rows, dim, gh),
                _ => (gh, dim, (double)s.Steps * s.Batch),
            };
        }

        public override Cost CostAt(CellSizes s)
        {
            var (m, n, k) = Shape(s);
            return new Cost(2 * m * n * k, 4 * (m * k + k * n + (Accumulate ? 2 : 1) * m * n));
        }
    }

    /// <summary>Adds a <c>Linear</c>'s bias to its column block of a projection, Z[:, c] += b.</summary>
    public sealed record BiasStep(GemmGroup Group, int Column, int Param, bool InStep) : PlanStep
    {
        public override Cost CostAt(CellSizes s)
        {
            double elements = RowCount(InStep, s) * s.Hidden;
            return new Cost(elements, 4 * (2 * elements + s.Hidden));
        }
    }

    public enum RowsOp
    {
        /// <summary>Destination = Source.</summary>
        Copy,
        /// <summary>Destination += Source.</summary>
        Add,
        /// <summary>Destination = Source + Source2.</summary>
        Sum,
        /// <summary>Destination = 0.</summary>
        Clear,
    }

    /// <summary>A row-wise move over a column block of <paramref name="Unit"/> width: a state's value into its
    /// sequence, adjoints carried between steps, the columns of a dZ that no adjoint reached.</summary>
    public sealed record RowsStep(RowsOp Op, Location Destination, Location? Source, Location? Source2, Dim Unit, bool InStep) : PlanStep
    {
        public override Cost CostAt(CellSizes s)
        {
            double elements = RowCount(InStep, s) * Size(Unit, s);
            return Op switch
            {
                RowsOp.Copy => new Cost(0, 4 * 2 * elements),
                RowsOp.Clear => new Cost(0, 4 * elements),
                _ => new Cost(elements, 4 * 3 * elements),
            };
        }
    }

    /// <summary>Where an adjoint term of a backward loop goes.</summary>
    public enum TermWrite
    {
        /// <summary>Into the sum of a node of the same loop (registers).</summary>
        Local,
        /// <summary>Added to a parameter's gradient (bias, peephole).</summary>
        Gradient,
        /// <summary>Stored into the target's adjoint buffer: the first write to it.</summary>
        Store,
        /// <summary>Added to the target's adjoint buffer.</summary>
        Add,
        /// <summary>Not written: the target shares its adjoint buffer with a node the same term reaches
        /// (<see cref="CellPlan.SharedAdjoint"/>), whose write holds it.</summary>
        Shared,
    }

    /// <summary>
    /// One node of a backward loop: its adjoint is the sum of what the loop's later nodes sent it, plus what earlier
    /// steps stored in its buffer when <paramref name="ReadsStored"/>; a projection stores its sum into its dZ column
    /// when <paramref name="StoresOwn"/>. <paramref name="Writes"/> says, per term of the node's rule that is
    /// elementwise (in <see cref="Autodiff.AdjointGraph.Terms"/> order, projections skipped), where it goes.
    /// </summary>
    public sealed record AdjointNode(int Node, bool ReadsStored, bool StoresOwn, IReadOnlyList<TermWrite> Writes);

    /// <summary>
    /// A fused elementwise loop over the rows of its phase and the columns of <paramref name="Unit"/>: forward, the
    /// values of <paramref name="Nodes"/> in order; backward, the adjoints of <paramref name="Adjoints"/> (last node
    /// first). <paramref name="FlopsPerElement"/>, <paramref name="FloatsPerElement"/> (workspace floats read or
    /// written per element) and <paramref name="ParameterFloatsPerColumn"/> are counted by the planner from the
    /// loop's expressions.
    /// </summary>
    public sealed record LoopStep(Phase Phase, int Stage, Dim Unit, bool Backward, IReadOnlyList<int> Nodes,
        IReadOnlyList<AdjointNode> Adjoints, int FlopsPerElement, int FloatsPerElement, int ParameterFloatsPerColumn) : PlanStep
    {
        public bool InStep => Phase == Phase.Step;

        public override Cost CostAt(CellSizes s)
        {
            double width = Size(Unit, s), elements = RowCount(InStep, s) * width;
            return new Cost(FlopsPerElement * elements, 4 * (FloatsPerElement * elements + ParameterFloatsPerColumn * width));
        }
    }

    /// <summary>A pass in execution order: the steps before the time loop, those of every step t (forward t = 0 … T-1,
    /// backward T-1 … 0), and those after it.</summary>
    public sealed class PassSchedule
    {
        public IReadOnlyList<PlanStep> Before { get; }
        public IReadOnlyList<PlanStep> EachStep { get; }
        public IReadOnlyList<PlanStep> After { get; }

        public PassSchedule(IReadOnlyList<PlanStep> before, IReadOnlyList<PlanStep> eachStep, IReadOnlyList<PlanStep> after)
        {
            Before = before;
            EachStep = eachStep;
            After = after;
        }

        /// <summary>All steps in execution order, the loop's once.</summary>
        public IEnumerable<PlanStep> Steps
        {
            get
            {
                foreach (var s in Before) yield return s;
                foreach (var s in EachStep) yield return s;
                foreach (var s in After) yield return s;
            }
        }

        /// <summary>What one whole pass over T steps costs.</summary>
        public Cost Cost(CellSizes s)
        {
            var total = new Cost(0, 0);
            foreach (var step in Before) total += step.CostAt(s);
            foreach (var step in EachStep) total += (double)s.Steps * step.CostAt(s);
            foreach (var step in After) total += step.CostAt(s);
            return total;
        }

        /// <summary>The pass's cost per time step (the work before and after the loop shared among the T steps).</summary>
        public Cost CostPerStep(CellSizes s)
        {
            var c = Cost(s);
            return new Cost(c.Flops / s.Steps, c.Bytes / s.Steps);
        }
    }
}
