using System;
using System.Collections.Generic;
using System.Text;

namespace CellDsl.Compiler.Emit
{
    /// <summary>A StringBuilder with indentation, for emitting readable C# (no SyntaxFactory, no NormalizeWhitespace).
    /// A code line longer than <see cref="MaxWidth"/> breaks after the last comma that fits, its
    /// continuation indented one level more.</summary>
    public sealed class SourceWriter
    {
        public const int MaxWidth = 120;
        private readonly StringBuilder _sb = new StringBuilder();
        public int Indentation { get; set; }

        public SourceWriter Line(string text = "")
        {
            if (text.Length == 0) { _sb.Append('\n'); return this; }
            foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
            {
                if (line.Length > 0) Wrap(line, Indentation * 4);
                else _sb.Append('\n');
            }
            return this;
        }

        private void Wrap(string line, int indent)
        {
            var breaks = Breaks(line);
            int start = 0, pad = indent;
            while (pad + line.Length - start > MaxWidth)
            {
                // The last break that fits; failing that, the first one (a long argument stays whole).
                int at = -1;
                foreach (int b in breaks)
                {
                    if (b <= start) continue;
                    if (at < 0 || pad + b - start <= MaxWidth) at = b;
                    if (pad + b - start > MaxWidth) break;
                }
                if (at < 0) break;
                _sb.Append(' ', pad).Append(line, start, at - start).Append('\n');
                start = at + 1;
                pad = indent + 4;
            }
            _sb.Append(' ', pad).Append(line, start, line.Length - start).Append('\n');
        }

        /// <summary>The spaces after each ", " outside string literals and comments: C# ignores the whitespace there, so a
        /// break keeps the code the same.</summary>
        private static List<int> Breaks(string line)
        {
            var breaks = new List<int>();
            if (line.TrimStart().StartsWith("//", StringComparison.Ordinal)) return breaks;
            bool inString = false;
            for (int i = 0; i < line.Length - 1; i++)
            {
                char c = line[i];
                if (inString)
                {
                    if (c == '\\') i++;
                    else if (c == '"') inString = false;
                    continue;
                }
                if (c == '"') inString = true;
                else if (c == '/' && line[i + 1] == '/') break;
                else if (c == ',' && line[i + 1] == ' ') breaks.Add(i + 1);
            }
            return breaks;
        }

        /// <summary>Writes <paramref name="header"/> (unless empty: a block under lines already written) and opens a brace.</summary>
        public SourceWriter Open(string header)
        {
            if (header.Length > 0) Line(header);
            Line("{");
            Indentation++;
            return this;
        }

        public SourceWriter Close(string suffix = "")
        {
            Indentation--;
            Line("}" + suffix);
            return this;
        }

        public override string ToString() => _sb.ToString();
    }
}
