using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CellDsl.Compiler.Graph
{
    /// <summary>
    /// A line-based text form of a cell graph, embedded in generated cells (so tools can rebuild the graph without
    /// Roslyn) and stored by the search tool. One declaration per line:
    /// <code>
    /// cell Lstm
    /// input x
    /// state h
    /// state c
    /// output h
    /// param W_x_i dense input uniform 0
    /// node 0 input
    /// node 5 add 3 4 : i
    /// next h 20
    /// </code>
    /// </summary>
    public static class GraphText
    {
        public static string Write(CellGraph g)
        {
            var sb = new StringBuilder();
            sb.Append("cell ").Append(g.Name).Append('\n');
            sb.Append("input ").Append(g.InputName).Append('\n');
            foreach (var s in g.States) sb.Append("state ").Append(s).Append('\n');
            sb.Append("output ").Append(g.States[g.OutputState]).Append('\n');
            foreach (var p in g.Parameters)
                sb.Append("param ").Append(p.Name).Append(' ').Append(Lower(p.Kind)).Append(' ').Append(Lower(p.In)).Append(' ')
                  .Append(Lower(p.InitKind)).Append(' ').Append(Float(p.Init)).Append('\n');
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                var n = g.Nodes[i];
                sb.Append("node ").Append(i).Append(' ').Append(Lower(n.Op));
                switch (n.Op)
                {
                    case OpKind.State: sb.Append(' ').Append(g.States[n.State]); break;
                    case OpKind.Const: sb.Append(' ').Append(Float(n.Value)); break;
                    case OpKind.Bias: sb.Append(' ').Append(g.Parameters[n.Param].Name); break;
                    case OpKind.Dense:
                    case OpKind.Diag: sb.Append(' ').Append(g.Parameters[n.Param].Name); break;
                }
                foreach (int a in n.Args) sb.Append(' ').Append(a);
                if (n.Param2 >= 0) sb.Append(" + ").Append(g.Parameters[n.Param2].Name);
                if (n.Name is not null) sb.Append(" : ").Append(n.Name);
                sb.Append('\n');
            }
            for (int k = 0; k < g.StateCount; k++) sb.Append("next ").Append(g.States[k]).Append(' ').Append(g.Next[k]).Append('\n');
            return sb.ToString();
        }

        /// <summary>Reads <see cref="Write"/>'s form. Throws <see cref="FormatException"/> naming the line on malformed text.</summary>
        public static CellGraph Read(string text)
        {
            string name = "", input = "x";
            var states = new List<string>();
            string? output = null;
            var parameters = new List<Parameter>();
            var paramIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var nodes = new List<Node>();
            var next = new Dictionary<string, int>(StringComparer.Ordinal);
            var lines = text.Replace("\r\n", "\n").Split('\n');
            for (int ln = 0; ln < lines.Length; ln++)
            {
                var line = lines[ln].Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                var tok = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                FormatException Bad(string why) => new FormatException($"cell text line {ln + 1}: {why}: '{line}'");
                int Param(string n) => paramIndex.TryGetValue(n, out int p) ? p : throw Bad($"unknown parameter '{n}'");
                switch (tok[0])
                {
                    case "cell": name = tok[1]; break;
                    case "input": input = tok[1]; break;
                    case "state": states.Add(tok[1]); break;
                    case "output": output = tok[1]; break;
                    case "param":
                        if (tok.Length != 6) throw Bad("expected 'param NAME KIND DIM INIT VALUE'");
                        paramIndex[tok[1]] = parameters.Count;
                        parameters.Add(new Parameter(tok[1], Enum<ParamKind>(tok[2], Bad), Enum<Dim>(tok[3], Bad), Enum<InitKind>(tok[4], Bad), ParseFloat(tok[5], Bad)));
                        break;
                    case "node":
                    {
                        if (tok.Length < 3 || int.Parse(tok[1], CultureInfo.InvariantCulture) != nodes.Count) throw Bad("nodes must be numbered 0, 1, 2, ... in order");
                        var op = Enum<OpKind>(tok[2], Bad);
                        int at = 3, param = -1, param2 = -1, state = -1;
                        float value = 0f;
                        string? nodeName = null;
                        switch (op)
                        {
                            case OpKind.State: state = states.IndexOf(tok[at++]); if (state < 0) throw Bad("unknown state"); break;
                            case OpKind.Const: value = ParseFloat(tok[at++], Bad); break;
                            case OpKind.Bias:
                            case OpKind.Dense:
                            case OpKind.Diag: param = Param(tok[at++]); break;
                        }
                        var args = new List<int>();
                        while (at < tok.Length)
                        {
                            if (tok[at] == "+") { param2 = Param(tok[at + 1]); at += 2; }
                            else if (tok[at] == ":") { nodeName = tok[at + 1]; at += 2; }
                            else args.Add(int.Parse(tok[at++], CultureInfo.InvariantCulture));
                        }
                        nodes.Add(new Node(op, args.ToEquatableArray(), param, param2, value, state, nodeName));
                        break;
                    }
                    case "next": next[tok[1]] = int.Parse(tok[2], CultureInfo.InvariantCulture); break;
                    default: throw Bad($"unknown declaration '{tok[0]}'");
                }
            }
            var nextArr = new int[states.Count];
            for (int k = 0; k < states.Count; k++)
                nextArr[k] = next.TryGetValue(states[k], out int n) ? n : throw new FormatException($"cell text: state '{states[k]}' has no 'next' line");
            int outIdx = output is null ? 0 : states.IndexOf(output);
            if (outIdx < 0) throw new FormatException($"cell text: output '{output}' is not a state");
            return new CellGraph(name, input, states.ToEquatableArray(), outIdx, nodes.ToEquatableArray(), parameters.ToEquatableArray(), nextArr.ToEquatableArray());
        }

        private static string Lower<T>(T e) where T : struct, Enum => e.ToString().ToLowerInvariant();

        private static T Enum<T>(string s, Func<string, FormatException> bad) where T : struct, Enum
            => System.Enum.TryParse<T>(s, true, out var v) ? v : throw bad($"unknown {typeof(T).Name} '{s}'");

        internal static string Float(float f) => f.ToString("R", CultureInfo.InvariantCulture);

        private static float ParseFloat(string s, Func<string, FormatException> bad)
            => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : throw bad($"bad number '{s}'");
    }
}
