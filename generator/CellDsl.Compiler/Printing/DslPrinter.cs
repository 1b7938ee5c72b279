using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CellDsl.Compiler.Graph;

namespace CellDsl.Compiler.Printing
{
    /// <summary>
    /// Prints a cell graph back as DSL C#: a whole <c>[RnnCell]</c> class (what the search tool exports), the
    /// statements of its Step body, or one node as an expression (for messages and comments).
    /// </summary>
    public static class DslPrinter
    {
        /// <summary>A complete declaration that the generator compiles to this graph (parameter names kept explicitly).</summary>
        public static string PrintClass(CellGraph g, string? @namespace = null)
        {
            var sb = new StringBuilder();
            sb.Append("using CellDsl;\nusing static CellDsl.CellOps;\n\n");
            string indent = "";
            if (@namespace is not null) { sb.Append("namespace ").Append(@namespace).Append(";\n\n"); }
            sb.Append(indent).Append("[RnnCell]\n");
            sb.Append(indent).Append("public partial class ").Append(CSharpNames.Escape(g.Name)).Append('\n').Append(indent).Append("{\n");
            sb.Append(indent).Append("    static void Step(Var ").Append(CSharpNames.Escape(g.InputName));
            for (int k = 0; k < g.StateCount; k++)
            {
                sb.Append(", ");
                if (k == g.OutputState && k != 0) sb.Append("[Output] ");
                sb.Append("ref Var ").Append(CSharpNames.Escape(g.States[k]));
            }
            sb.Append(")\n").Append(indent).Append("    {\n");
            foreach (var line in Statements(g, explicitNames: true))
                sb.Append(indent).Append("        ").Append(line).Append('\n');
            sb.Append(indent).Append("    }\n").Append(indent).Append("}\n");
            return sb.ToString();
        }

        /// <summary>The Step body, one statement per line. Without explicit names, parameters print as W(x), B(), ...</summary>
        public static List<string> Statements(CellGraph g, bool explicitNames = false)
        {
            var nodes = g.Nodes;
            var uses = g.UseCounts();
            var nextOf = g.StatesTaking();

            var taken = new HashSet<string>(g.States) { g.InputName };
            foreach (var n in nodes) if (n.Name is not null) taken.Add(n.Name);
            var localName = new string?[nodes.Count];
            for (int i = 0; i < nodes.Count; i++)
            {
                var n = nodes[i];
                if (n.IsLeaf && n.Op != OpKind.Bias) continue;
                if (n.Name is not null && !g.States.Contains(n.Name)) localName[i] = CSharpNames.Escape(n.Name);
                else if (uses[i] > 1 && nextOf[i] is null && n.Op != OpKind.Bias)
                {
                    string t = "t" + i.ToString(CultureInfo.InvariantCulture);
                    while (!taken.Add(t)) t = "_" + t;
                    localName[i] = t;
                }
            }

            // Which states are read (as previous values) after they have been assigned? Those get an alias up front.
            var assignedAt = new int[g.StateCount];
            for (int k = 0; k < g.StateCount; k++) assignedAt[k] = nodes[g.Next[k]].IsLeaf ? int.MaxValue : g.Next[k];
            var needsAlias = new bool[g.StateCount];
            for (int i = 0; i < nodes.Count; i++)
                foreach (int a in nodes[i].Args)
                    if (nodes[a].Op == OpKind.State && StatementOf(i) > assignedAt[nodes[a].State]) needsAlias[nodes[a].State] = true;
            for (int k = 0; k < g.StateCount; k++)
            {
                int nk = g.Next[k];
                if (nodes[nk].Op == OpKind.State) needsAlias[nodes[nk].State] |= assignedAt[nodes[nk].State] != int.MaxValue;
            }
            int StatementOf(int i)
            {
                // the statement that evaluates node i: its own, or the first materialised consumer's
                while (localName[i] is null && nextOf[i] is null)
                {
                    int consumer = -1;
                    for (int c = i + 1; c < nodes.Count && consumer < 0; c++) foreach (int a in nodes[c].Args) if (a == i) { consumer = c; break; }
                    if (consumer < 0) return i;
                    i = consumer;
                }
                return i;
            }

            string S(int k) => CSharpNames.Escape(g.States[k]);
            var alias = new string?[g.StateCount];
            var lines = new List<string>();
            for (int k = 0; k < g.StateCount; k++)
                if (needsAlias[k])
                {
                    string a = g.States[k] + "_prev";
                    while (!taken.Add(a)) a = "_" + a;
                    alias[k] = a;
                    lines.Add($"var {a} = {S(k)};");
                }

            var assigned = new bool[g.StateCount];
            string Ref(int i, int prec)
            {
                var n = nodes[i];
                if (n.Op == OpKind.State) return assigned[n.State] ? alias[n.State]! : S(n.State);
                if (n.Op == OpKind.Input) return CSharpNames.Escape(g.InputName);
                if (localName[i] is { } l) return l;
                if (nextOf[i] is { } ks && assigned[ks[0]]) return S(ks[0]);
                return Expr(i, prec);
            }
            string Expr(int i, int prec)
            {
                // Unnamed values nest as deep as the user's longest chain: fail cleanly, never overflow the stack.
                RuntimeHelpers.EnsureSufficientExecutionStack();
                return Print(g, nodes[i], (a, p) => Ref(nodes[i].Args[a], p), prec, explicitNames ? Naming.Arguments : Naming.None);
            }

            for (int i = 0; i < nodes.Count; i++)
            {
                if (localName[i] is { } l)
                {
                    lines.Add($"var {l} = {Expr(i, 0)};");
                    if (nextOf[i] is { } ks)
                        foreach (int k in ks) { lines.Add($"{S(k)} = {l};"); assigned[k] = true; }
                }
                else if (nextOf[i] is { } ks && !nodes[i].IsLeaf)
                {
                    string e = Expr(i, 0);
                    lines.Add($"{S(ks[0])} = {e};");
                    assigned[ks[0]] = true;
                    for (int q = 1; q < ks.Count; q++) { lines.Add($"{S(ks[q])} = {S(ks[0])};"); assigned[ks[q]] = true; }
                }
            }
            for (int k = 0; k < g.StateCount; k++)
                if (nodes[g.Next[k]].IsLeaf)
                {
                    var leaf = nodes[g.Next[k]];
                    string rhs = leaf.Op == OpKind.State ? (alias[leaf.State] ?? S(leaf.State)) : Ref(g.Next[k], 0);
                    lines.Add($"{S(k)} = {rhs};");
                }
            return lines;
        }

        /// <summary>Why the cell needs input size == hidden size, in words for a message (null when any sizes work).</summary>
        public static string? SquareRequirement(CellGraph g)
        {
            if (GraphAnalysis.SquareRequirement(g) is not { } conflict) return null;
            return conflict.State < 0
                ? $"'{Expression(g, conflict.Node)}' combines the input x with hidden-size values"
                : $"state '{g.States[conflict.State]}' is assigned the input-size value '{Expression(g, conflict.Node)}'";
        }

        /// <summary>
        /// Node <paramref name="node"/> as one DSL expression, inlining everything down to locals, states and x. With
        /// <paramref name="parameterNames"/>, the projections and biases print as what they are, W_x_i·x, p_c_i⊙c and
        /// b_i, so that comments tell the gates apart; the nesting is the same (· and ⊙ bind as * does).
        /// <paramref name="level"/> is the binding the context needs (3 for an operand of a product, as in r * h · W),
        /// levels as in <see cref="OpInfo.Format"/>.
        /// </summary>
        public static string Expression(CellGraph g, int node, bool parameterNames = false, int level = 0)
        {
            var nodes = g.Nodes;
            string Ref(int i, int prec)
            {
                if (i == node) return Expr(i, prec);
                if (nodes[i].Name is { } n) return n;
                for (int k = 0; k < g.StateCount; k++) if (g.Next[k] == i) return g.States[k];
                return Expr(i, prec);
            }
            string Expr(int i, int prec)
            {
                RuntimeHelpers.EnsureSufficientExecutionStack();
                return Print(g, nodes[i], (a, p) => Ref(nodes[i].Args[a], p), prec, parameterNames ? Naming.Inline : Naming.None);
            }
            return Expr(node, level);
        }

        /// <summary>How parameters print: not at all (<c>W(x)</c>), as the DSL's name arguments (<c>W(x, "W_x_i")</c>), or
        /// as the values they are (<c>W_x_i·x</c>, <c>b_i</c>, <c>p_c_i⊙c</c>).</summary>
        private enum Naming
        {
            None,
            Arguments,
            Inline,
        }

        /// <summary>One node with its operands printed by <paramref name="operand"/> (operand index, level): the one
        /// switch over leaves and projections for DSL source and for descriptions.</summary>
        private static string Print(CellGraph g, Node n, Func<int, int, string> operand, int prec, Naming naming)
        {
            string Name(int p) => naming == Naming.Arguments ? $", \"{g.Parameters[p].Name}\"" : "";
            switch (n.Op)
            {
                case OpKind.Input: return g.InputName;
                case OpKind.State: return g.States[n.State];
                case OpKind.Const: return Literal(n.Value, prec);
                case OpKind.Bias when naming == Naming.Inline: return g.Parameters[n.Param].Name;
                case OpKind.Bias:
                {
                    var p = g.Parameters[n.Param];
                    if (p.Init == 0f && naming == Naming.None) return "B()";
                    return $"B({Lit(p.Init)}{Name(n.Param)})";
                }
                case OpKind.Dense when naming == Naming.Inline:
                {
                    string product = $"{g.Parameters[n.Param].Name}·{operand(0, 3)}";
                    return n.Param2 >= 0 ? OpInfo.Paren($"{product} + {g.Parameters[n.Param2].Name}", 1, prec) : OpInfo.Paren(product, 2, prec);
                }
                case OpKind.Dense:
                {
                    var p = g.Parameters[n.Param];
                    if (n.Param2 >= 0 || p.InitKind == InitKind.SmallPlusDiagonal)
                        return $"Linear({Lit(p.Init)}, {operand(0, 0)}{Name(n.Param)})";
                    return $"W({operand(0, 0)}{Name(n.Param)})";
                }
                case OpKind.Diag when naming == Naming.Inline: return OpInfo.Paren($"{g.Parameters[n.Param].Name}⊙{operand(0, 3)}", 2, prec);
                case OpKind.Diag: return $"P({operand(0, 0)}{Name(n.Param)})";
                default: return Ops.Of(n.Op).Format(operand, prec);
            }
        }

        /// <summary>A constant as an operand: a negative literal is a unary minus, so it takes parentheses where one
        /// would (levels as in <see cref="OpInfo.Format"/>).</summary>
        private static string Literal(float f, int prec)
        {
            string s = Lit(f);
            return OpInfo.Paren(s, s[0] == '-' ? Ops.Of(OpKind.Neg).Precedence : 4, prec);
        }

        /// <summary>A float literal that round-trips: 1f, 0.5f, -2f, 1E-05f. Constants folded to a non-finite value
        /// (1e38f * 1e38f) have no literal and print as float.PositiveInfinity, float.NegativeInfinity or float.NaN.</summary>
        public static string Lit(float f)
        {
            if (float.IsNaN(f)) return "float.NaN";
            if (float.IsInfinity(f)) return f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
            string s = f.ToString("R", CultureInfo.InvariantCulture);
            return s + "f";
        }
    }
}
