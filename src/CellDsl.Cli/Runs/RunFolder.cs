using System;
using System.IO;

namespace CellDsl.Cli.Runs
{
    /// <summary>A run folder's files: config.json, metrics.jsonl, checkpoint.ckpt and the curves.</summary>
    public sealed class RunFolder
    {
        public RunFolder(string path) => Path = System.IO.Path.GetFullPath(path);

        public string Path { get; }
        public string Config => Combine("config.json");
        public string Metrics => Combine("metrics.jsonl");
        public string Checkpoint => Combine("checkpoint.ckpt");
        public string CurvesSvg => Combine("curves.svg");
        public string CurvesPng => Combine("curves.png");

        /// <summary>The folder's last path part, which labels the run in plots.</summary>
        public string Name => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar));

        /// <summary>An existing run: the folder, its config and its checkpoint must be there.</summary>
        public static RunFolder Existing(string path)
        {
            var run = new RunFolder(path);
            if (!Directory.Exists(run.Path)) throw new RunFolderException(path, "no such folder. Give the folder celldsl train wrote (its --run).");
            if (!File.Exists(run.Config)) throw new RunFolderException(run.Config, "missing, so this folder is not a run written by celldsl train.");
            return run;
        }

        /// <summary>runs/&lt;corpus&gt;-&lt;cells&gt;-&lt;UTC time&gt; under the current folder.</summary>
        public static string DefaultPath(string corpus, string[] cells, DateTime utc)
            => System.IO.Path.Combine("runs", $"{corpus}-{string.Join("+", cells)}-{utc:yyyyMMdd-HHmmss}");

        private string Combine(string file) => System.IO.Path.Combine(Path, file);
    }

    /// <summary>A run folder or one of its files cannot be used; the message starts with the path.</summary>
    public sealed class RunFolderException : Exception
    {
        public RunFolderException(string path, string problem) : base($"{path}: {problem}") { }
    }
}
