using System;
using System.Text;

namespace CellDsl.Compiler.Emit
{
    /// <summary>A StringBuilder with indentation, for emitting readable C# (no SyntaxFactory, no NormalizeWhitespace).</summary>
    public sealed class SourceWriter
    {
        private readonly StringBuilder _sb = new StringBuilder();
        public int Indentation { get; set; }

        public SourceWriter Line(string text = "")
        {
            if (text.Length == 0) { _sb.Append('\n'); return this; }
            foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
            {
                if (line.Length > 0) _sb.Append(' ', Indentation * 4).Append(line);
                _sb.Append('\n');
            }
            return this;
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
