using System;

namespace CellDsl.Training.Data
{
    /// <summary>
    /// A data file the readers cannot use: missing, empty, not UTF-8, or holding a token its vocabulary lacks. The
    /// message reads like a compiler's, <c>file:line:column: what is wrong. What to do.</c>, so a command line can print
    /// it as it stands.
    /// </summary>
    public sealed class DataFormatException : Exception
    {
        public DataFormatException(string file, int? line, int? column, string problem, string remedy)
            : base($"{Where(file, line, column)}: {problem} {remedy}")
        {
            File = file;
            Line = line;
            Column = column;
            Problem = problem;
            Remedy = remedy;
        }

        /// <summary>The file (or folder) as the caller named it.</summary>
        public string File { get; }

        /// <summary>1-based line, when the problem is at one place in the file.</summary>
        public int? Line { get; }

        /// <summary>1-based column in characters of that line (bytes for a UTF-8 error).</summary>
        public int? Column { get; }

        public string Problem { get; }

        public string Remedy { get; }

        private static string Where(string file, int? line, int? column)
            => line is null ? file : column is null ? $"{file}:{line}" : $"{file}:{line}:{column}";
    }
}
