using System;
using System.Collections.Generic;
using System.Linq;

namespace CellDsl.Compiler.Graph
{
    /// <summary>A value of a DSL expression as it is built: a float constant (folded at once) or a graph node.</summary>
    public readonly struct CellValue
    {
        public readonly bool IsConst;
        public readonly float Const;
        public readonly int Node;
        private CellValue(bool isConst, float c, int node) { IsConst = isConst; Const = c; Node = node; }
        public static CellValue OfConst(float c) => new CellValue(true, c, -1);
        public static CellValue OfNode(int n) => new CellValue(false, 0f, n);
    }

    /// <summary>How an explicit parameter name was taken.</summary>
    public enum NameClaim
    {
        Taken,
        /// <summary>Not an identifier (a letter or '_', then letters, digits or '_').</summary>
        Invalid,
        /// <summary>Another parameter of the cell has it.</summary>
        Duplicate,
    }

    /// <summary>
    /// Builds a cell graph by the DSL's rules, without Roslyn: one node per operation in the order they are written,
    /// constants folded as they meet, every W, P, B and Linear a fresh parameter named explicitly or after what it
    /// feeds (W_x_i: the weight of x in i), sizes inferred as nodes are added, dead values dropped at the end. The
    /// parser is a syntax walk over it; the search builds candidates with it directly.
    /// </summary>
    public sealed class CellBuilder
    {
        private readonly List<Node> _nodes = new List<Node>();
        private readonly List<Dim> _dims = new List<Dim>();
        private readonly List<Parameter> _params = new List<Parameter>();
        private readonly HashSet<string> _paramNames = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _reserved = new HashSet<string>(StringComparer.Ordinal);
        private readonly int[] _stateNode;
        private int _inputNode = -1;

        public CellBuilder(string name, string inputName, IReadOnlyList<string> states)
        {
            Name = name;
            InputName = inputName;
            States = states.ToArray();
            _stateNode = Enumerable.Repeat(-1, States.Count).ToArray();
        }

        public string Name { get; }
        public string InputName { get; }
        public IReadOnlyList<string> States { get; }

        /// <summary>The state that is the cell's output (the first unless set).</summary>
        public int OutputState { get; set; }

        public int NodeCount => _nodes.Count;
        public Node NodeAt(int node) => _nodes[node];

        /// <summary>The size of a node's value (<see cref="GraphAnalysis.DimOf"/>).</summary>
        public Dim DimOf(int node) => _dims[node];

        // ---------------------------------------------------------------- leaves

        /// <summary>The step's input x (one node, however often it is read).</summary>
        public int Input() => _inputNode >= 0 ? _inputNode : (_inputNode = Add(new Node(OpKind.Input, EquatableArray<int>.Empty)));

        /// <summary>State <paramref name="k"/>'s value from the previous step (one node per state).</summary>
        public int PreviousState(int k)
        {
            if (k < 0 || k >= States.Count) throw new ArgumentOutOfRangeException(nameof(k), k, $"the cell has {States.Count} state(s)");
            return _stateNode[k] >= 0 ? _stateNode[k] : (_stateNode[k] = Add(new Node(OpKind.State, EquatableArray<int>.Empty, State: k)));
        }

        // ---------------------------------------------------------------- operations

        /// <summary>a + b, a - b or a * b; two constants fold into one, and a constant beside a vector becomes a node.</summary>
        public CellValue Combine(OpKind op, CellValue a, CellValue b)
        {
            if (!Ops.IsKnown(op) || Ops.Of(op).Form != OpForm.Infix) throw new ArgumentException($"{op} is not a binary operation", nameof(op));
            if (a.IsConst && b.IsConst)
                return CellValue.OfConst(op switch { OpKind.Add => a.Const + b.Const, OpKind.Sub => a.Const - b.Const, _ => a.Const * b.Const });
            int l = a.IsConst ? Constant(a.Const) : a.Node;
            int r = b.IsConst ? Constant(b.Const) : b.Node;
            return CellValue.OfNode(Add(new Node(op, new[] { l, r }.ToEquatableArray())));
        }

        /// <summary>-v; the negation of a constant is a constant.</summary>
        public CellValue Negate(CellValue v)
            => v.IsConst ? CellValue.OfConst(-v.Const) : CellValue.OfNode(Add(new Node(OpKind.Neg, new[] { v.Node }.ToEquatableArray())));

        /// <summary>An activation (an op written as a call: Sigmoid, Tanh, Relu) of a node.</summary>
        public int Activation(OpKind op, int v)
        {
            if (!Ops.IsKnown(op) || Ops.Of(op).Form != OpForm.Call) throw new ArgumentException($"{op} is not an activation", nameof(op));
            return Add(new Node(op, new[] { Operand(v) }.ToEquatableArray()));
        }

        /// <summary>W(v): a fresh dense weight times v. <paramref name="name"/> is an explicit name already claimed
        /// (<see cref="ClaimName"/>), or null for W_{tag}_{target}.</summary>
        public int Dense(int v, string? name, string tag, string target)
        {
            int p = AddParam(new Parameter(name ?? ImplicitName("W_" + tag + "_" + target), ParamKind.Dense, _dims[Operand(v)], InitKind.Uniform, 0f));
            return Add(new Node(OpKind.Dense, new[] { v }.ToEquatableArray(), Param: p));
        }

        /// <summary>P(v): a fresh peephole (diagonal) weight times v, named p_{tag}_{target} unless named explicitly.</summary>
        public int Diag(int v, string? name, string tag, string target)
        {
            int p = AddParam(new Parameter(name ?? ImplicitName("p_" + tag + "_" + target), ParamKind.Diag, Dim.Hidden, InitKind.Uniform, 0f));
            return Add(new Node(OpKind.Diag, new[] { Operand(v) }.ToEquatableArray(), Param: p));
        }

        /// <summary>B(init): a fresh bias initialised to <paramref name="init"/>, named b_{target} unless named explicitly.</summary>
        public int Bias(float init, string? name, string target)
        {
            int p = AddParam(new Parameter(name ?? ImplicitName("b_" + target), ParamKind.Bias, Dim.Hidden, InitKind.Constant, init));
            return Add(new Node(OpKind.Bias, EquatableArray<int>.Empty, Param: p));
        }

        /// <summary>Linear(a, v): W·v + b with W initialised to small noise plus a on the diagonal; W is named
        /// W_{tag}_{target} unless named explicitly, b always b_{tag}_{target}.</summary>
        public int Linear(float a, int v, string? name, string tag, string target)
        {
            int w = AddParam(new Parameter(name ?? ImplicitName("W_" + tag + "_" + target), ParamKind.Dense, _dims[Operand(v)], InitKind.SmallPlusDiagonal, a));
            int b = AddParam(new Parameter(ImplicitName("b_" + tag + "_" + target), ParamKind.Bias, Dim.Hidden, InitKind.Constant, 0f));
            return Add(new Node(OpKind.Dense, new[] { v }.ToEquatableArray(), Param: w, Param2: b));
        }

        /// <summary>Names node <paramref name="node"/> after the local it is bound to, for readable output. Leaves and
        /// values that already have a name keep theirs.</summary>
        public void NameValue(int node, string name)
        {
            var n = _nodes[node];
            if (n.Name is null && !n.IsLeaf) _nodes[node] = n with { Name = name };
        }

        /// <summary>A short readable tag for a projected operand: the input's or a state's name, else <paramref name="fallback"/>.</summary>
        public string Tag(int node, string fallback)
        {
            var n = _nodes[node];
            return n.Op == OpKind.Input ? InputName : n.Op == OpKind.State ? States[n.State] : fallback;
        }

        // ---------------------------------------------------------------- parameter names

        /// <summary>Keeps an explicit name written anywhere in the cell away from implicit names (which are chosen as
        /// the cell is read, possibly before the explicit name's own operation).</summary>
        public void ReserveName(string name) => _reserved.Add(name);

        /// <summary>Takes an explicit parameter name for an operation about to be added.</summary>
        public NameClaim ClaimName(string name)
        {
            if (!IsValidName(name)) return NameClaim.Invalid;
            return _paramNames.Add(name) ? NameClaim.Taken : NameClaim.Duplicate;
        }

        public static bool IsValidName(string s)
            => s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

        private string ImplicitName(string name)
        {
            name = Sanitize(name);
            string n = name;
            for (int i = 2; _paramNames.Contains(n) || _reserved.Contains(n); i++) n = name + "_" + i;
            _paramNames.Add(n);
            return n;
        }

        private static string Sanitize(string s)
        {
            var r = new string(s.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
            return r.Length == 0 || char.IsDigit(r[0]) ? "_" + r : r;
        }

        // ---------------------------------------------------------------- the graph

        /// <summary>The graph whose state k takes node <paramref name="next"/>[k]: what no state depends on is dropped,
        /// with its parameters, and the rest renumbered in order.</summary>
        public CellGraph Build(IReadOnlyList<int> next)
        {
            if (next.Count != States.Count) throw new ArgumentException($"{next.Count} next values for {States.Count} state(s)", nameof(next));
            foreach (int n in next) Operand(n);
            var raw = new CellGraph(Name, InputName, States.ToEquatableArray(), OutputState, _nodes.ToEquatableArray(), _params.ToEquatableArray(), next.ToEquatableArray());
            return GraphRewrite.DropDeadNodes(raw);
        }

        private int Constant(float c) => Add(new Node(OpKind.Const, EquatableArray<int>.Empty, Value: c));

        private int Add(Node n)
        {
            _nodes.Add(n);
            _dims.Add(GraphAnalysis.DimOf(n, _dims));
            return _nodes.Count - 1;
        }

        private int AddParam(Parameter p)
        {
            _params.Add(p);
            return _params.Count - 1;
        }

        private int Operand(int node)
            => node >= 0 && node < _nodes.Count ? node : throw new ArgumentOutOfRangeException(nameof(node), node, $"the cell has {_nodes.Count} node(s) so far");
    }
}
