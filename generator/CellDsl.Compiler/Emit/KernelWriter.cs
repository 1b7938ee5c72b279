using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using CellDsl.Compiler.Autodiff;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Planning;
using CellDsl.Compiler.Printing;

namespace CellDsl.Compiler.Emit
{
    /// <summary>
    /// Writes one fused elementwise loop as a struct implementing <c>IColumnKernel</c>: buffer row offsets and parameter
    /// offsets as fields, a row loop, and a column loop over <c>V.Count</c> lanes whose body is the cell's equations
    /// (forward) or their adjoints (backward), with values named as in the declaration.
    /// </summary>
    internal sealed class KernelWriter
    {
        private readonly Emission _e;
        private readonly CellPlan _plan;
        private readonly CellGraph _g;
        private readonly Phase _phase;
        private readonly Dim _unit;
        private readonly bool _backward;
        private readonly Dictionary<(int Buffer, RowMode Mode), string> _fields = new Dictionary<(int, RowMode), string>();
        private readonly SortedSet<int> _params = new SortedSet<int>();
        // The kernel's plumbing: names a cell's equations rarely use (a user's a, b, g or p keep their names).
        private readonly HashSet<string> _taken = new HashSet<string>(StringComparer.Ordinal)
            {
                "data", "param", "grad", "row", "col", "j0", "j1", "Rows", "H", "I", "V", "A", "P", "G",
                // Types the kernel names through its namespace's using directives.
                "IColumnKernel", "ISimd", "MethodImpl", "MethodImplOptions", "MemoryMarshal",
            };
        private readonly Dictionary<int, string> _valueLocals = new Dictionary<int, string>();
        private readonly Dictionary<int, string> _paramLocals = new Dictionary<int, string>();
        private readonly List<string> _body = new List<string>();
        private readonly string _name;
        private readonly List<string> _summary = new List<string>();
        private bool _usesP, _usesG;
        private int _stage;

        public KernelWriter(Emission e, string name, LoopStep loop)
        {
            _e = e;
            _plan = e.Plan;
            _g = e.Graph;
            _name = name;
            _phase = loop.Phase;
            _unit = loop.Unit;
            _backward = loop.Backward;
            _stage = loop.Stage;
            if (loop.Backward) WriteBackward(loop);
            else WriteForward(loop.Nodes);
        }

        public string Source { get; private set; } = "";

        private bool InLoop(int node) => !_g.Nodes[node].IsLeaf && _plan.LoopOf(node) == (_phase, _stage, _unit);

        // ------------------------------------------------------------ naming

        private string Unique(string baseName)
        {
            // var and value are contextual, but a local named so would only confuse the reader of the kernel.
            string n = CSharpNames.IsReserved(baseName) || baseName is "var" or "value" ? "@" + baseName : baseName;
            while (!_taken.Add(n)) n = n + "_";
            return n;
        }

        private string PreferredName(int i)
        {
            var n = _g.Nodes[i];
            switch (n.Op)
            {
                case OpKind.State: return _g.States[n.State] + "_prev";
                case OpKind.Input: return _g.InputName;
                case OpKind.Dense: return _g.Parameters[n.Param].Name;
                case OpKind.Bias: return _g.Parameters[n.Param].Name;
            }
            if (_e.NextOf(i) is { } ks) return _g.States[ks[0]];
            return n.Name ?? $"t{i}";
        }

        private string Field(Location loc)
        {
            var key = (loc.Buffer, loc.Mode);
            if (!_fields.TryGetValue(key, out var f))
            {
                f = Unique(_e.BufName(loc.Buffer) + (loc.Mode == RowMode.NextStep ? "_next" : ""));
                _taken.Add("r" + f);
                _fields[key] = f;
            }
            return f;
        }

        private string At(Location loc) => $"r{Field(loc)}{Emission.Col(loc.Column)} + col";

        private string ParamField(int param)
        {
            _params.Add(param);
            _taken.Add("at_" + _e.ParamName(param));
            return "at_" + _e.ParamName(param);
        }

        private string LoadParam(int param)
        {
            if (_paramLocals.TryGetValue(param, out var l)) return l;
            _usesP = true;
            l = Unique(_e.ParamName(param));
            _body.Add($"var {l} = V.Load(ref param, {ParamField(param)} + col);");
            _paramLocals[param] = l;
            return l;
        }

        /// <summary>A stored value (or leaf) as a local, loading it on first use.</summary>
        private string LoadValue(int node)
        {
            var n = _g.Nodes[node];
            if (n.Op == OpKind.Const) return $"V.Create({DslPrinter.Lit(n.Value)})";
            if (n.Op == OpKind.Bias) return LoadParam(n.Param);
            if (_valueLocals.TryGetValue(node, out var l)) return l;
            var loc = _plan.Values[node] ?? throw new InvalidOperationException($"value of node {node} is not stored");
            l = Unique(PreferredName(node));
            _body.Add($"var {l} = V.Load(ref data, {At(loc)});");
            _valueLocals[node] = l;
            return l;
        }

        // ------------------------------------------------------------ forward

        private void WriteForward(IReadOnlyList<int> loop)
        {
            var inlined = new bool[_g.Nodes.Count];
            foreach (int i in loop)
            {
                if (_g.Nodes[i].Name is not null || _e.NextOf(i) is not null || _e.Uses(i) != 1 || _plan.Values[i] is not null) continue;
                int consumer = Enumerable.Range(i + 1, _g.Nodes.Count - i - 1).First(c => _g.Nodes[c].Args.Contains(i));
                inlined[i] = InLoop(consumer) && _g.Nodes[consumer].IsElementwise;
            }

            string Ref(int m, int prec)
            {
                if (InLoop(m) && _g.Nodes[m].IsElementwise) return inlined[m] ? Expr(m, prec) : _valueLocals[m];
                return LoadValue(m);
            }
            string Expr(int i, int prec)
            {
                // Unnamed values nest as deep as the user's longest chain: fail cleanly (reported as CDSL0099), never overflow.
                RuntimeHelpers.EnsureSufficientExecutionStack();
                var n = _g.Nodes[i];
                switch (n.Op)
                {
                    case OpKind.Diag: return Paren($"{LoadParam(n.Param)} * {Ref(n.Args[0], 3)}", 2, prec);
                    // The ISimd member of a call is the DSL's name (V.Tanh for Tanh); operators are V's operators.
                    default: return Ops.Of(n.Op).Format((a, p) => Ref(n.Args[a], p), prec, callPrefix: "V.");
                }
            }

            foreach (int i in loop)
            {
                if (inlined[i]) continue;
                string rhs = Expr(i, 0);
                string l = Unique(PreferredName(i));
                _valueLocals[i] = l;
                _body.Add($"var {l} = {rhs};");
                if (_plan.Values[i] is { } loc) _body.Add($"V.Store({l}, ref data, {At(loc)});");
                _summary.Add($"{l} = {DslPrinter.Expression(_g, i, parameterNames: true)}");
            }
            Finish(loop.Count);
        }

        // ------------------------------------------------------------ backward

        /// <summary>Writes the adjoint loop as the plan decided it: which sums read what earlier steps stored, and which
        /// term stores, adds or stays in registers.</summary>
        private void WriteBackward(LoopStep loop)
        {
            var contributions = loop.Nodes.ToDictionary(i => i, _ => new List<string>());
            var names = new Dictionary<int, string>();
            foreach (var adjoint in loop.Adjoints)
            {
                int n = adjoint.Node;
                var parts = contributions[n];
                var loc = _plan.Adjoints[n];
                var sum = new List<string>();
                if (adjoint.ReadsStored) sum.Add($"V.Load(ref data, {At(loc!)})");
                sum.AddRange(parts);
                if (sum.Count == 0) sum.Add("V.Create(0f)");
                string d;
                // A sum of one local is that local: no alias (d_t22 = d_t24) in the kernel.
                if (sum.Count == 1 && IsLocal(sum[0])) d = sum[0];
                else
                {
                    d = Unique("d_" + PreferredName(n));
                    _body.Add($"var {d} = {string.Join(" + ", sum)};");
                    _summary.Add($"{d} = dL/d({DslPrinter.Expression(_g, n, parameterNames: true)})");
                }
                if (adjoint.StoresOwn) _body.Add($"V.Store({d}, ref data, {At(loc!)});");

                var terms = _plan.Adjoint.Terms[n].Where(t => t.Kind == TermKind.ToNode || t.Kind == TermKind.ToParam).ToList();
                for (int k = 0; k < terms.Count; k++)
                {
                    var term = terms[k];
                    string e = Adj(term.Expr!, d, 0);
                    switch (adjoint.Writes[k])
                    {
                        case TermWrite.Local:
                            contributions[term.Target].Add(e);
                            break;
                        case TermWrite.Shared:
                            break;
                        case TermWrite.Gradient:
                            _usesG = true;
                            int param = term.Kind == TermKind.ToParam ? term.Target : _g.Nodes[term.Target].Param;
                            _body.Add($"V.AddTo(ref grad, {ParamField(param)} + col, {e});");
                            break;
                        default:
                            var target = _plan.Adjoints[term.Target]!;
                            _body.Add(adjoint.Writes[k] == TermWrite.Store ? $"V.Store({e}, ref data, {At(target)});" : $"V.AddTo(ref data, {At(target)}, {e});");
                            break;
                    }
                }
            }
            Finish(loop.Nodes.Count);
        }

        private bool IsLocal(string expr) => _taken.Contains(expr) && expr.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '@');

        private string Adj(AdjExpr e, string grad, int prec)
        {
            switch (e.Kind)
            {
                case AdjKind.Grad: return grad;
                case AdjKind.Value: return LoadValue(e.Node);
                case AdjKind.ParamValue: return LoadParam(e.Node);
                case AdjKind.Const: return $"V.Create({DslPrinter.Lit(e.Value)})";
                case AdjKind.Mul: return Paren($"{Adj(e.A!, grad, 2)} * {Adj(e.B!, grad, 3)}", 2, prec);
                case AdjKind.Sub: return Paren($"{Adj(e.A!, grad, 1)} - {Adj(e.B!, grad, 2)}", 1, prec);
                case AdjKind.Neg: return Paren($"-{Adj(e.A!, grad, 4)}", 3, prec);
                case AdjKind.ReluMask: return $"V.ReluMask({LoadValue(e.Node)}, {Adj(e.A!, grad, 0)})";
                default: throw new InvalidOperationException(e.Kind.ToString());
            }
        }

        // Levels as in OpInfo.Format: a unary minus prints its operand at level 4, so -(-a) never becomes the decrement --a.
        private static string Paren(string s, int own, int outer) => own < outer ? "(" + s + ")" : s;

        // ------------------------------------------------------------ struct text and call site

        private void Finish(int nodeCount)
        {
            var w = new SourceWriter();
            string what = _backward ? "Adjoints of" : "Computes";
            string where = _phase == Phase.Pre ? "for all T·B rows before the time loop" : "for each step";
            w.Line("/// <summary>");
            w.Line($"/// {what} stage {_stage} {where} ({(_unit == Dim.Input ? "I" : "H")} columns):");
            foreach (var s in _summary) w.Line("/// " + s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;") + "<br/>");
            w.Line("/// </summary>");
            w.Open($"file struct {_name} : IColumnKernel");
            w.Line(_backward ? "public float[] A, P, G;" : "public float[] A, P;");
            w.Line("public int Rows, H, I;");
            if (_fields.Count > 0) w.Line($"public int {string.Join(", ", _fields.Values)};");
            if (_params.Count > 0) w.Line($"public int {string.Join(", ", _params.Select(p => "at_" + _e.ParamName(p)))};");
            w.Line();
            // Fully optimised from the first call: a training run's first passes should not run tier-0 loops.
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.Open("public void Run<V>(int j0, int j1) where V : struct, ISimd<V>");
            w.Line("ref float data = ref MemoryMarshal.GetArrayDataReference(A);");
            if (_usesP) w.Line("ref float param = ref MemoryMarshal.GetArrayDataReference(P);");
            if (_usesG) w.Line("ref float grad = ref MemoryMarshal.GetArrayDataReference(G);");
            w.Open("for (int row = 0; row < Rows; row++)");
            foreach (var kv in _fields)
                w.Line($"int r{kv.Value} = {kv.Value} + row * {Paren(_e.WidthText(kv.Key.Buffer))};");
            w.Open("for (int col = j0; col < j1; col += V.Count)");
            foreach (var line in _body) w.Line(line);
            w.Close();
            w.Close();
            w.Close();
            w.Close();
            Source = w.ToString().TrimEnd('\n');
        }

        private static string Paren(string w) => w.Contains("*") ? "(" + w + ")" : w;

        public void EmitCall(SourceWriter w, string rows)
        {
            bool step = _phase == Phase.Step;
            string local = char.ToLowerInvariant(_name[0]) + _name.Substring(1);
            var inits = new List<string> { "A = a", "P = p" };
            if (_backward) inits.Add("G = g");
            inits.Add($"Rows = {rows}");
            inits.Add("H = H");
            inits.Add("I = I");
            foreach (var kv in _fields)
                inits.Add($"{kv.Value} = {_e.Base(new Location(kv.Key.Buffer, kv.Key.Mode, 0), step)}");
            foreach (int p in _params) inits.Add($"at_{_e.ParamName(p)} = at_{_e.ParamName(p)}");
            // One field per line: a kernel reads a dozen offsets, and one line of them is unreadable.
            w.Open($"var {local} = new global::{CellEmitter.KernelNamespace}.{_name}");
            foreach (var init in inits) w.Line(init + ",");
            w.Close(";");
            w.Line($"global::CellDsl.Kernels.Columns.Run(ref {local}, {Emission.UnitText(_unit)}, {rows});");
        }
    }
}
