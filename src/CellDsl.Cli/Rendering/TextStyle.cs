using System;

namespace CellDsl.Cli.Rendering
{
    /// <summary>
    /// How output may be decorated: ANSI colour only for a terminal, and the width to wrap long lists at.
    /// Renderers take a style instead of asking the console, so tests and redirected output get plain, stable text.
    /// </summary>
    public sealed record TextStyle(bool Color, int Width)
    {
        /// <summary>Output is an interactive terminal, so progress may be redrawn in place (a live display).</summary>
        public bool Live { get; init; }

        /// <summary>Plain text wrapped at 100 columns: what files, pipes and tests get.</summary>
        public static TextStyle Plain { get; } = new(false, 100);

        /// <summary>The style for standard output: colour when it is a terminal and NO_COLOR is unset, wrapped to the window.</summary>
        public static TextStyle ForConsole()
        {
            if (Console.IsOutputRedirected) return Plain;
            bool dumb = string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
            bool color = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && !dumb;
            int width;
            try { width = Console.WindowWidth; }
            catch (System.IO.IOException) { width = 0; }
            // Some terminals report 0 columns; below 60 the layout stops helping anyway.
            return new TextStyle(color, width >= 60 ? width : Plain.Width) { Live = !dumb };
        }

        public string Bold(string s) => Wrap(s, "1");
        public string Green(string s) => Wrap(s, "32");
        public string Red(string s) => Wrap(s, "31");
        public string Yellow(string s) => Wrap(s, "33");

        private string Wrap(string s, string code) => Color ? $"\u001b[{code}m{s}\u001b[0m" : s;
    }
}
