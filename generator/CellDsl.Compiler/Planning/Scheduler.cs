using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Compiler.Autodiff;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;

namespace CellDsl.Compiler.Planning
{
    /// <summary>
    /// Orders a plan's work into the forward and backward <see cref="PassSchedule"/>s and makes every store-or-add
    /// decision on the way (<see cref="AdjointWrites"/>): the emitter only writes the steps out.
    /// </summary>
    internal sealed class Scheduler
    {
        private readonly CellPlan _plan;
        private readonly CellGraph _g;
        private readonly List<int>[] _consumers;
        private readonly List<int>?[] _nextOf;
        private readonly AdjointWrites _writes = new AdjointWrites();

        private Scheduler(CellPlan plan)
        {
            _plan = plan;
            _g = plan.Graph;
            _consumers = _g.Consumers();
            _nextOf = _g.StatesTaking();
        }

        public static (PassSchedule Forward, PassSchedule Backward) Build(CellPlan plan)
        {
            var s = new Scheduler(plan);
            return (s.Forward(), s.Backward());
        }

        private Dim UnitOfOperand(GemmGroup grp) => _plan.Dims[grp.Operand] == Dim.Input ? Dim.Input : Dim.Hidden;

        private static void Head(List<PlanStep> steps, int from, string comment)
        {
            if (steps.Count > from) steps[from] = steps[from] with { Comment = comment };
        }

        // ---------------------------------------------------------------- forward

        private PassSchedule Forward()
        {
            var before = new List<PlanStep>();
            foreach (var grp in _plan.Groups) before.Add(new PackStep(grp, UnitOfOperand(grp), ForAdjoint: false));
            Head(before, 0, "Stacked weights packed once for all steps of this pass.");
            for (int s = 0; s < _plan.PreStageCount; s++) ForwardStage(before, Phase.Pre, s);

            var each = new List<PlanStep>();
            for (int s = 0; s < _plan.StepStageCount; s++) ForwardStage(each, Phase.Step, s);
            foreach (int k in _plan.StatesNeedingCopy())
            {
                int next = _g.Next[k];
                var loc = _plan.Values[next] ?? throw new InvalidOperationException($"state {_g.States[k]}'s value has no storage");
                each.Add(new RowsStep(RowsOp.Copy, new Location(_plan.StateSeq[k], RowMode.NextStep, 0), loc, null, Dim.Hidden, InStep: true)
                    { Comment = $"{_g.States[k]} = {DslPrinter.Expression(_g, next)}" });
            }
            return new PassSchedule(before, each, Array.Empty<PlanStep>());
        }

        private void ForwardStage(List<PlanStep> steps, Phase phase, int s)
        {
            bool step = phase == Phase.Step;
            foreach (var grp in _plan.GroupsOf(phase, s))
            {
                var v = _plan.Values[grp.Operand] ?? throw new InvalidOperationException("projection operand without storage");
                var z = new Location(grp.Z, _plan.Buffers[grp.Z].Rows == Rows.Batch ? RowMode.Batch : RowMode.Step, 0);
                steps.Add(new GemmStep(GemmKind.Projection, grp, v, UnitOfOperand(grp), z, Accumulate: false, step));
                for (int c = 0; c < grp.Nodes.Count; c++)
                    if (_g.Nodes[grp.Nodes[c]].Param2 >= 0) steps.Add(new BiasStep(grp, c, _g.Nodes[grp.Nodes[c]].Param2, step));
            }
            foreach (var unit in new[] { Dim.Input, Dim.Hidden })
            {
                var loop = _plan.ForwardLoop(phase, s, unit);
                if (loop.Count > 0) steps.Add(ForwardLoop(phase, s, unit, loop));
            }
        }

        private LoopStep ForwardLoop(Phase phase, int s, Dim unit, List<int> loop)
        {
            var data = new HashSet<int>();
            var parameters = new HashSet<int>();
            int stores = 0;
            foreach (int i in loop)
            {
                var node = _g.Nodes[i];
                if (node.Op == OpKind.Diag) parameters.Add(node.Param);
                foreach (int m in node.Args)
                {
                    if (loop.Contains(m)) continue;
                    if (_g.Nodes[m].Op == OpKind.Bias) parameters.Add(_g.Nodes[m].Param);
                    else if (_g.Nodes[m].Op != OpKind.Const) data.Add(m);
                }
                if (_plan.Values[i] is not null) stores++;
            }
            // One operation per node: an activation counts as one, like an add.
            return new LoopStep(phase, s, unit, Backward: false, loop, Array.Empty<AdjointNode>(), loop.Count, data.Count + stores, parameters.Count);
        }

        // ---------------------------------------------------------------- backward

        private PassSchedule Backward()
        {
            var before = new List<PlanStep>();
            foreach (var grp in _plan.Groups.Where(grp => _g.Nodes[grp.Operand].Op != OpKind.Const))
                before.Add(new PackStep(grp, UnitOfOperand(grp), ForAdjoint: true));
            Head(before, 0, "Stacked weights packed once for the adjoint GEMMs dv += dZ · W of all steps.");

            var each = new List<PlanStep>();
            var dy = new Location(_plan.DY, RowMode.Step, 0);
            for (int k = 0; k < _g.StateCount; k++)
            {
                var loc = _plan.Adjoints[_g.Next[k]] ?? throw new InvalidOperationException("state value without adjoint storage");
                var carry = new Location(_plan.DStateCarry[k], RowMode.Batch, 0);
                bool first = _writes.Write(loc);
                if (k == _g.OutputState && first) each.Add(new RowsStep(RowsOp.Sum, loc, carry, dy, Dim.Hidden, InStep: true));
                else
                {
                    each.Add(new RowsStep(first ? RowsOp.Copy : RowsOp.Add, loc, carry, null, Dim.Hidden, InStep: true));
                    if (k == _g.OutputState) each.Add(new RowsStep(RowsOp.Add, loc, dy, null, Dim.Hidden, InStep: true));
                }
            }
            Head(each, 0, "dL/d(state after step t) flows into the value each state took.");
            for (int s = _plan.StepStageCount - 1; s >= 0; s--) BackwardStage(each, Phase.Step, s);
            int carried = each.Count;
            for (int k = 0; k < _g.StateCount; k++)
            {
                var prev = new Location(_plan.DStatePrev[k], RowMode.Batch, 0);
                var carry = new Location(_plan.DStateCarry[k], RowMode.Batch, 0);
                each.Add(_writes.IsWritten(prev)
                    ? new RowsStep(RowsOp.Copy, carry, prev, null, Dim.Hidden, InStep: true)
                    : new RowsStep(RowsOp.Clear, carry, null, null, Dim.Hidden, InStep: true)
                        { Comment = $"step t does not read the {_g.States[k]} before it" });
            }
            var heading = "dL/d(state before step t) is dL/d(state after step t-1).";
            Head(each, carried, each[carried].Comment is { } c ? heading + "\n" + c : heading);

            var after = new List<PlanStep>();
            for (int s = _plan.PreStageCount - 1; s >= 0; s--) BackwardStage(after, Phase.Pre, s);
            int weights = after.Count;
            foreach (var grp in _plan.Groups)
            {
                var v = _plan.Values[grp.Operand] ?? throw new InvalidOperationException("projection operand without storage");
                ClearUnreached(after, grp, step: false);
                after.Add(new GemmStep(GemmKind.WeightGradient, grp, v, UnitOfOperand(grp), new Location(grp.DZ, RowMode.Step, 0),
                    Accumulate: true, InStep: false));
            }
            Head(after, weights, "Weight gradients: one GEMM over all T·B rows per stacked projection.");
            var dx = new Location(_plan.DX, RowMode.Step, 0);
            if (_writes.Write(dx))
                after.Add(new RowsStep(RowsOp.Clear, dx, null, null, Dim.Input, InStep: false) { Comment = "The loss does not depend on x." });
            return new PassSchedule(before, each, after);
        }

        /// <summary>Clears the columns of a group's dZ that no adjoint reached (their projections do not affect the loss)
        /// before a GEMM reads the whole dZ.</summary>
        private void ClearUnreached(List<PlanStep> steps, GemmGroup grp, bool step)
        {
            for (int c = 0; c < grp.Nodes.Count; c++)
            {
                var slice = new Location(grp.DZ, RowMode.Step, c);
                if (_writes.Write(slice)) steps.Add(new RowsStep(RowsOp.Clear, slice, null, null, Dim.Hidden, step));
            }
        }

        private void BackwardStage(List<PlanStep> steps, Phase phase, int s)
        {
            bool step = phase == Phase.Step;
            foreach (var unit in new[] { Dim.Hidden, Dim.Input })
            {
                var loop = _plan.BackwardLoop(phase, s, unit);
                if (loop.Count > 0 && BackwardLoop(phase, s, unit, loop) is { } kernel) steps.Add(kernel);
            }
            foreach (var grp in _plan.GroupsOf(phase, s))
            {
                if (_g.Nodes[grp.Operand].Op == OpKind.Const) continue;
                var d = _plan.Adjoints[grp.Operand] ?? throw new InvalidOperationException("projection operand without adjoint storage");
                ClearUnreached(steps, grp, step);
                bool first = _writes.Write(d);
                steps.Add(new GemmStep(GemmKind.AdjointOfOperand, grp, d, UnitOfOperand(grp), new Location(grp.DZ, RowMode.Step, 0),
                    Accumulate: !first, step));
            }
        }

        /// <summary>The adjoint loop of (phase, stage, unit), or null when it has nothing to do (every adjoint already
        /// lands in its buffer). Contributions from outside the loop were written before it; if none was, they are zero.</summary>
        private LoopStep? BackwardLoop(Phase phase, int stage, Dim unit, List<int> loop)
        {
            bool InLoop(int node) => !_g.Nodes[node].IsLeaf && _plan.LoopOf(node) == (phase, stage, unit);
            var parts = loop.ToDictionary(i => i, _ => 0);
            var result = new List<AdjointNode>();
            var data = new HashSet<int>();
            var parameters = new HashSet<int>();
            int flops = 0, floats = 0;
            foreach (int n in loop)
            {
                var node = _g.Nodes[n];
                bool external = node.Op == OpKind.Dense
                    ? _nextOf[n] is not null || _consumers[n].Any(c => !InLoop(c) || _g.Nodes[c].Op == OpKind.Dense)
                    : _plan.Adjoints[n] is not null;
                var terms = _plan.Adjoint.Terms[n].Where(t => t.Kind == TermKind.ToNode || t.Kind == TermKind.ToParam).ToList();
                if (parts[n] == 0 && !external) continue;
                if (node.Op == OpKind.Dense && parts[n] == 0 && terms.Count == 0) continue;

                var loc = _plan.Adjoints[n];
                bool readsStored = external && _writes.IsWritten(loc!);
                // A dense node sharing its adjoint's columns with another stores nothing: the other's write is the value.
                bool storesOwn = node.Op == OpKind.Dense && parts[n] > 0 && _plan.SharedAdjoint[n] is null;
                if (storesOwn) _writes.Write(loc!);
                int summands = (readsStored ? 1 : 0) + parts[n];
                flops += Math.Max(0, summands - 1);
                floats += (readsStored ? 1 : 0) + (storesOwn ? 1 : 0);

                var writes = new List<TermWrite>();
                foreach (var term in terms)
                {
                    flops += Operations(term.Expr!);
                    Reads(term.Expr!, data, parameters);
                    TermWrite w;
                    if (term.Kind == TermKind.ToParam || _g.Nodes[term.Target].Op == OpKind.Bias)
                    {
                        // A leaf is never in the loop: a bias's adjoint is its gradient.
                        w = TermWrite.Gradient;
                        flops++;
                        parameters.Add(term.Kind == TermKind.ToParam ? term.Target : _g.Nodes[term.Target].Param);
                    }
                    else if (_plan.SharedAdjoint[term.Target] is not null && !InLoop(term.Target))
                    {
                        // The term's other target holds the shared value. (Groups come in phase and stage order, so a
                        // sharing projection is in its add's loop and takes the local path; this guards that order.)
                        w = TermWrite.Shared;
                    }
                    else if (InLoop(term.Target))
                    {
                        w = TermWrite.Local;
                        parts[term.Target]++;
                    }
                    else
                    {
                        var target = _plan.Adjoints[term.Target] ?? throw new InvalidOperationException($"adjoint of node {term.Target} has no storage");
                        w = _writes.Write(target) ? TermWrite.Store : TermWrite.Add;
                        if (w == TermWrite.Add) flops++;
                        floats += w == TermWrite.Add ? 2 : 1;
                    }
                    writes.Add(w);
                }
                result.Add(new AdjointNode(n, readsStored, storesOwn, writes));
            }
            if (result.Count == 0) return null;
            // A gradient row a loop adds to for every batch row is read and written once per column.
            return new LoopStep(phase, stage, unit, Backward: true, loop, result, flops, floats + data.Count, parameters.Count * 2);
        }

        private static int Operations(AdjExpr e) => e.Kind switch
        {
            AdjKind.Mul or AdjKind.Sub or AdjKind.Neg or AdjKind.ReluMask => 1 + (e.A is null ? 0 : Operations(e.A)) + (e.B is null ? 0 : Operations(e.B)),
            _ => 0,
        };

        private void Reads(AdjExpr e, HashSet<int> data, HashSet<int> parameters)
        {
            if (e.Kind == AdjKind.ParamValue) parameters.Add(e.Node);
            if (e.Kind == AdjKind.Value || e.Kind == AdjKind.ReluMask)
            {
                var node = _g.Nodes[e.Node];
                if (node.Op == OpKind.Bias) parameters.Add(node.Param);
                else if (node.Op != OpKind.Const) data.Add(e.Node);
            }
            if (e.A is not null) Reads(e.A, data, parameters);
            if (e.B is not null) Reads(e.B, data, parameters);
        }
    }
}
