using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Compiler.Autodiff;
using CellDsl.Compiler.Graph;

namespace CellDsl.Compiler.Planning
{
    /// <summary>When a node is computed: once for all T·B rows before the time loop (it does not depend on a
    /// state), or inside the loop, step by step.</summary>
    public enum Phase
    {
        Pre,
        Step,
    }

    /// <summary>How many rows a workspace buffer has.</summary>
    public enum Rows
    {
        /// <summary>T·B rows: one per step and batch element.</summary>
        Sequence,
        /// <summary>(T+1)·B rows: a state's initial value followed by its value after every step.</summary>
        SequenceWithInitial,
        /// <summary>B rows, reused by every step.</summary>
        Batch,
    }

    /// <summary>Which row of a buffer a loop at step t and batch row b reads.</summary>
    public enum RowMode
    {
        /// <summary>Row t·B + b (pre-loop passes: the running row over all T·B).</summary>
        Step,
        /// <summary>Row (t+1)·B + b: a state's value after step t.</summary>
        NextStep,
        /// <summary>Row b of a per-step scratch buffer.</summary>
        Batch,
    }

    /// <summary>A slice of the one workspace block: rows × (Width · unit) floats.</summary>
    public sealed record WorkBuffer(int Index, string Name, Rows Rows, int Width, Dim Unit, string Comment);

    /// <summary>Where a value lives: a buffer, which row, and a column block (in units of the buffer's unit size).</summary>
    public sealed record Location(int Buffer, RowMode Mode, int Column);

    /// <summary>Dense projections of one operand in one stage, stacked into one GEMM: Z[rows, G·H] = V · [W₀ | W₁ | …]ᵀ.</summary>
    public sealed record GemmGroup(int Index, Phase Phase, int Stage, int Operand, IReadOnlyList<int> Nodes, int Z, int DZ);

    /// <summary>Parameter offset in floats as a·I·H + b·H·H + c·H, so emitted code and the interpreter agree for any size.</summary>
    public readonly record struct SizeExpr(int IH, int HH, int H)
    {
        public long Evaluate(int inputSize, int hiddenSize) => (long)IH * inputSize * hiddenSize + (long)HH * hiddenSize * hiddenSize + (long)H * hiddenSize;
        public SizeExpr Add(SizeExpr o) => new SizeExpr(IH + o.IH, HH + o.HH, H + o.H);

        public override string ToString()
        {
            var parts = new List<string>();
            if (IH != 0) parts.Add(IH == 1 ? "I * H" : $"{IH} * I * H");
            if (HH != 0) parts.Add(HH == 1 ? "H * H" : $"{HH} * H * H");
            if (H != 0) parts.Add(H == 1 ? "H" : $"{H} * H");
            return parts.Count == 0 ? "0" : string.Join(" + ", parts);
        }
    }

    /// <summary>One parameter's place in the flat parameter (and gradient) vector.</summary>
    public sealed record ParameterSlot(int Param, string Name, SizeExpr Offset, SizeExpr Size, int Rows, Dim Cols);

    /// <summary>
    /// The schedule of a cell: which nodes are computed before the time loop and which per step, how dense
    /// projections stack into GEMMs, which elementwise nodes fuse into one loop (a stage), what the forward pass keeps
    /// for the backward pass, the parameter layout, and the two passes as ordered steps (<see cref="Forward"/>,
    /// <see cref="Backward"/>) with their costs. The emitter writes the steps out in order.
    /// </summary>
    /// <remarks>
    /// Stages: a node's stage is the number of dense projections on its longest path from the step's leaves
    /// within its phase. Stage s runs the GEMMs of its dense nodes, then one fused loop over its elementwise nodes.
    /// Backward runs the stages in reverse: the fused adjoint loop, then the GEMMs that carry adjoints through W.
    /// Weight gradients wait for one GEMM over all T·B rows after the time loop.
    /// </remarks>
    public sealed class CellPlan
    {
        public CellGraph Graph { get; }
        public AdjointGraph Adjoint { get; }
        public Dim[] Dims { get; }
        public Phase[] Phases { get; }
        public int[] Stages { get; }
        public int PreStageCount { get; }
        public int StepStageCount { get; }
        public IReadOnlyList<GemmGroup> Groups { get; }
        /// <summary>For dense nodes: (group, column block).</summary>
        public (int Group, int Column)[] DenseSlot { get; }
        public IReadOnlyList<WorkBuffer> Buffers { get; }
        /// <summary>Where each node's forward value can be read outside its own loop (null: registers only, or a leaf without a buffer).</summary>
        public Location?[] Values { get; }
        /// <summary>Where contributions to each node's adjoint accumulate outside its own loop (null: registers only).</summary>
        public Location?[] Adjoints { get; }
        /// <summary>For a dense node whose adjoint is, by construction, another dense node's (both summed by one add and
        /// used nowhere else, as W_x·x + W_h·h): that node, whose dZ columns it shares; else null. Its group reads the
        /// other group's dZ, and the backward loop stores the value once.</summary>
        public int?[] SharedAdjoint { get; }
        public IReadOnlyList<ParameterSlot> Slots { get; }
        /// <summary>Slot index per parameter index.</summary>
        public int[] SlotOfParam { get; }
        public SizeExpr ParameterTotal { get; }
        public string? SquareRequirement { get; }

        /// <summary>The forward pass in execution order: packs, GEMMs, fused loops and copies.</summary>
        public PassSchedule Forward { get; }
        /// <summary>The backward pass in execution order, every first write to an adjoint a store and every later one an add.</summary>
        public PassSchedule Backward { get; }

        public int X { get; }
        public int DX { get; }
        public int DY { get; }
        public int[] StateSeq { get; }
        /// <summary>dL/d(state after this step), carried from step t+1 to t.</summary>
        public int[] DStateCarry { get; }
        /// <summary>dL/d(state before this step), accumulated during step t's backward.</summary>
        public int[] DStatePrev { get; }

        private CellPlan(CellGraph graph)
        {
            Graph = graph;
            Adjoint = AdjointGraph.Build(graph);
            Dims = GraphAnalysis.Dims(graph);
            SquareRequirement = Printing.DslPrinter.SquareRequirement(graph);
            int n = graph.Nodes.Count;
            var nodes = graph.Nodes;

            // 1. Phase and stage of every node.
            Phases = new Phase[n];
            Stages = new int[n];
            for (int i = 0; i < n; i++)
            {
                var node = nodes[i];
                bool step = node.Op == OpKind.State;
                foreach (int a in node.Args) step |= Phases[a] == Phase.Step;
                Phases[i] = step ? Phase.Step : Phase.Pre;
                int stage = 0;
                foreach (int a in node.Args)
                    if (Phases[a] == Phases[i]) stage = Math.Max(stage, Stages[a]);
                Stages[i] = node.Op == OpKind.Dense ? Stages[node.Args[0]] + 1 : stage;
                if (node.IsLeaf) Stages[i] = 0;
            }
            PreStageCount = 1 + Enumerable.Range(0, n).Where(i => Phases[i] == Phase.Pre && !nodes[i].IsLeaf).Select(i => Stages[i]).DefaultIfEmpty(0).Max();
            StepStageCount = 1 + Enumerable.Range(0, n).Where(i => Phases[i] == Phase.Step && !nodes[i].IsLeaf).Select(i => Stages[i]).DefaultIfEmpty(0).Max();

            var buffers = new List<WorkBuffer>();
            int AddBuffer(string name, Rows rows, int width, Dim unit, string comment)
            {
                buffers.Add(new WorkBuffer(buffers.Count, name, rows, width, unit, comment));
                return buffers.Count - 1;
            }

            // 2. Fixed buffers: the input, the state sequences, their adjoints.
            X = AddBuffer("X", Rows.Sequence, 1, Dim.Input, "x of every step, [T·B, I]");
            StateSeq = new int[graph.StateCount];
            for (int k = 0; k < graph.StateCount; k++)
                StateSeq[k] = AddBuffer("S_" + graph.States[k], Rows.SequenceWithInitial, 1, Dim.Hidden, $"{graph.States[k]} before the first step and after every step, [(T+1)·B, H]");
            DX = AddBuffer("dX", Rows.Sequence, 1, Dim.Input, "dL/dx, [T·B, I]");
            DY = AddBuffer("dY", Rows.Sequence, 1, Dim.Hidden, "dL/d output of every step, [T·B, H]");
            DStateCarry = new int[graph.StateCount];
            DStatePrev = new int[graph.StateCount];
            for (int k = 0; k < graph.StateCount; k++)
            {
                DStateCarry[k] = AddBuffer("dS_" + graph.States[k], Rows.Batch, 1, Dim.Hidden, $"dL/d{graph.States[k]} after the current step, [B, H]");
                DStatePrev[k] = AddBuffer("dSPrev_" + graph.States[k], Rows.Batch, 1, Dim.Hidden, $"dL/d{graph.States[k]} before the current step, [B, H]");
            }

            // 3. GEMM groups: dense nodes with the same operand, phase and stage share one GEMM. A group whose every
            //    projection is summed with the same column of an earlier group by one add, and used nowhere else, has
            //    that group's adjoint column for column (d(u + v) reaches u and v alike): it shares the earlier dZ.
            var consumersOf = graph.Consumers();
            var statesOf = graph.StatesTaking();
            bool SameAdjoint(int u, int v) =>
                u != v && statesOf[u] is null && statesOf[v] is null
                && consumersOf[u].Count == 1 && consumersOf[v].Count == 1 && consumersOf[u][0] == consumersOf[v][0]
                && nodes[consumersOf[u][0]].Op == OpKind.Add;
            SharedAdjoint = new int?[n];
            var groups = new List<GemmGroup>();
            DenseSlot = new (int, int)[n];
            var keyed = new Dictionary<(Phase, int, int), List<int>>();
            var order = new List<(Phase, int, int)>();
            for (int i = 0; i < n; i++)
            {
                if (nodes[i].Op != OpKind.Dense) continue;
                var key = (Phases[i], Stages[i], nodes[i].Args[0]);
                if (!keyed.TryGetValue(key, out var list)) { keyed[key] = list = new List<int>(); order.Add(key); }
                list.Add(i);
            }
            order = order.OrderBy(k => k.Item1).ThenBy(k => k.Item2).ThenBy(k => k.Item3).ToList();
            foreach (var key in order)
            {
                var members = keyed[key];
                bool keepAll = key.Item1 == Phase.Pre || members.Any(m => Adjoint.ValueNeeded[m]);
                string tag = $"{groups.Count}";
                string what = string.Join(", ", members.Select(m => graph.Parameters[nodes[m].Param].Name));
                int z = AddBuffer("Z" + tag, keepAll ? Rows.Sequence : Rows.Batch, members.Count, Dim.Hidden,
                    $"projections {what} of {Describe(key.Item3)}, [{(keepAll ? "T·B" : "B")}, {members.Count}·H]");
                var twin = groups.FirstOrDefault(g => g.Nodes.Count == members.Count
                    && Enumerable.Range(0, members.Count).All(c => SameAdjoint(g.Nodes[c], members[c])));
                int dz;
                if (twin is null)
                {
                    dz = AddBuffer("dZ" + tag, Rows.Sequence, members.Count, Dim.Hidden, $"dL/d of Z{tag}, [T·B, {members.Count}·H]");
                }
                else
                {
                    dz = twin.DZ;
                    buffers[dz] = buffers[dz] with { Comment = buffers[dz].Comment.Replace($"dL/d of Z{twin.Index}", $"dL/d of Z{twin.Index} and of Z{tag}") };
                    for (int c = 0; c < members.Count; c++) SharedAdjoint[members[c]] = twin.Nodes[c];
                }
                for (int c = 0; c < members.Count; c++) DenseSlot[members[c]] = (groups.Count, c);
                groups.Add(new GemmGroup(groups.Count, key.Item1, key.Item2, key.Item3, members, z, dz));
            }
            Groups = groups;

            // 4. Where forward values live.
            var consumers = consumersOf;
            Values = new Location?[n];
            Adjoints = new Location?[n];
            // The first state that takes each node, or -1.
            var nextOf = statesOf.Select(ks => ks?[0] ?? -1).ToArray();
            for (int i = 0; i < n; i++)
            {
                var node = nodes[i];
                switch (node.Op)
                {
                    case OpKind.Input: Values[i] = new Location(X, RowMode.Step, 0); Adjoints[i] = new Location(DX, RowMode.Step, 0); continue;
                    case OpKind.State: Values[i] = new Location(StateSeq[node.State], RowMode.Step, 0); Adjoints[i] = new Location(DStatePrev[node.State], RowMode.Batch, 0); continue;
                    case OpKind.Const:
                    case OpKind.Bias: continue;
                    case OpKind.Dense:
                        var (gi, col) = DenseSlot[i];
                        Values[i] = new Location(groups[gi].Z, buffers[groups[gi].Z].Rows == Rows.Batch ? RowMode.Batch : RowMode.Step, col);
                        Adjoints[i] = new Location(groups[gi].DZ, RowMode.Step, col);
                        continue;
                }
                bool usedElsewhere = consumers[i].Any(c => nodes[c].Op == OpKind.Dense || LoopOf(c) != LoopOf(i));
                if (Phases[i] == Phase.Step && nextOf[i] >= 0)
                    Values[i] = new Location(StateSeq[nextOf[i]], RowMode.NextStep, 0);
                else if (Adjoint.ValueNeeded[i] || (usedElsewhere && Phases[i] == Phase.Pre) || (Phases[i] == Phase.Pre && nextOf[i] >= 0))
                    Values[i] = new Location(AddBuffer("V_" + NodeTag(i), Rows.Sequence, 1, Dims[i], $"{Describe(i)} at every step"), RowMode.Step, 0);
                else if (usedElsewhere)
                    Values[i] = new Location(AddBuffer("V_" + NodeTag(i), Rows.Batch, 1, Dims[i], $"{Describe(i)} within a step"), RowMode.Batch, 0);

                bool adjointFromElsewhere = nextOf[i] >= 0 || consumers[i].Any(c => nodes[c].Op == OpKind.Dense || LoopOf(c) != LoopOf(i));
                if (adjointFromElsewhere)
                {
                    bool pre = Phases[i] == Phase.Pre;
                    Adjoints[i] = new Location(AddBuffer("D_" + NodeTag(i), pre ? Rows.Sequence : Rows.Batch, 1, Dims[i], $"dL/d({Describe(i)})"), pre ? RowMode.Step : RowMode.Batch, 0);
                }
            }
            Buffers = buffers;

            // 5. Parameter layout: stacked dense weights first, group by group, so each group's weights form one
            //    [G·H, dim] matrix; then the remaining parameters in declaration order.
            var slots = new List<ParameterSlot>();
            SlotOfParam = new int[graph.Parameters.Count];
            var offset = new SizeExpr(0, 0, 0);
            void Place(int p)
            {
                var par = graph.Parameters[p];
                var size = par.Kind == ParamKind.Dense
                    ? (par.In == Dim.Input ? new SizeExpr(1, 0, 0) : new SizeExpr(0, 1, 0))
                    : new SizeExpr(0, 0, 1);
                SlotOfParam[p] = slots.Count;
                slots.Add(new ParameterSlot(p, par.Name, offset, size, par.Kind == ParamKind.Dense ? 1 : 0, par.Kind == ParamKind.Dense ? par.In : Dim.Hidden));
                offset = offset.Add(size);
            }
            var placed = new bool[graph.Parameters.Count];
            foreach (var g in groups)
                foreach (int m in g.Nodes) { Place(nodes[m].Param); placed[nodes[m].Param] = true; }
            for (int p = 0; p < graph.Parameters.Count; p++)
                if (!placed[p]) Place(p);
            Slots = slots;
            ParameterTotal = offset;

            // 6. The schedule.
            (Forward, Backward) = Scheduler.Build(this);
        }

        /// <summary>What a training step (forward and backward) costs per time step at these sizes: the search's price of
        /// a candidate before it compiles.</summary>
        public Cost CostPerStep(CellSizes sizes) => Forward.CostPerStep(sizes) + Backward.CostPerStep(sizes);

        public static CellPlan Create(CellGraph graph)
        {
            var errors = GraphAnalysis.Validate(graph);
            if (errors.Count > 0) throw new ArgumentException($"Cell '{graph.Name}' is malformed: {string.Join("; ", errors)}", nameof(graph));
            return new CellPlan(graph);
        }

        /// <summary>The size unit of a node's fused loop: input-size nodes loop over I columns, the rest over H.</summary>
        public Dim UnitOf(int node) => Dims[node] == Dim.Input ? Dim.Input : Dim.Hidden;

        /// <summary>The fused loop a node belongs to, or (Pre, -1, Any) for leaves. Within a stage the input-size loop
        /// runs before the hidden-size loop (forward) and after it (backward).</summary>
        public (Phase Phase, int Stage, Dim Unit) LoopOf(int node)
            => Graph.Nodes[node].IsLeaf ? (Phase.Pre, -1, Dim.Any) : (Phases[node], Stages[node], UnitOf(node));

        /// <summary>Elementwise nodes computed in the forward loop of (phase, stage, unit), in order.</summary>
        public List<int> ForwardLoop(Phase phase, int stage, Dim unit)
            => Enumerable.Range(0, Graph.Nodes.Count).Where(i => Graph.Nodes[i].IsElementwise && LoopOf(i) == (phase, stage, unit)).ToList();

        /// <summary>Nodes whose adjoints are finalized in the backward loop of (phase, stage, unit): its elementwise and dense nodes, last first.</summary>
        public List<int> BackwardLoop(Phase phase, int stage, Dim unit)
            => Enumerable.Range(0, Graph.Nodes.Count).Where(i => (Graph.Nodes[i].IsElementwise || Graph.Nodes[i].Op == OpKind.Dense) && LoopOf(i) == (phase, stage, unit)).Reverse().ToList();

        public IEnumerable<GemmGroup> GroupsOf(Phase phase, int stage) => Groups.Where(g => g.Phase == phase && g.Stage == stage);

        public string NodeTag(int i) => Graph.Nodes[i].Name is { } name ? $"{name}_{i}" : $"n{i}";

        public string Describe(int i) => Printing.DslPrinter.Expression(Graph, i);

        /// <summary>States whose next value is not written by a per-step fused loop and needs a copy at the end of the step.</summary>
        public IEnumerable<int> StatesNeedingCopy()
        {
            for (int k = 0; k < Graph.StateCount; k++)
            {
                int next = Graph.Next[k];
                var loc = Values[next];
                bool written = Graph.Nodes[next].IsElementwise && Phases[next] == Phase.Step;
                if (!written) yield return k;
                else if (loc is null || loc.Buffer != StateSeq[k]) yield return k; // shares a node with an earlier state
            }
        }
    }
}
