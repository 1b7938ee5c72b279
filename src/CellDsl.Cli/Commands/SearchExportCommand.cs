using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using CellDsl.Cli.Rendering;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Search;
using CellDsl.Search.Store;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl search export`: the best architectures as DSL C#, one [RnnCell] partial class each, for the
    /// generator to compile in a user's project.</summary>
    public static class SearchExportCommand
    {
        public const int DefaultTop = 5;
        public const string Namespace = "SearchCells";

        public static Command Create(TextWriter output)
        {
            var store = SearchCommand.StoreOption();
            var top = CommonOptions.Positive("--top", "How many of the best architectures to export.", DefaultTop);
            var outDir = new Option<string>("--out") { Description = "A folder to write NAME.cs files to (default: print the sources).", HelpName = "DIR" };
            var command = new Command("export", "Write the store's best architectures (by fitness) as DSL C# cells.")
            {
                store, top, outDir,
            };
            command.SetAction(parse =>
            {
                string location = parse.GetValue(store)!;
                var error = parse.InvocationConfiguration.Error;
                if (SearchCommand.MissingStore(location, error)) return ExitCodes.Usage;
                string? dir = parse.GetValue(outDir);
                return SearchCommand.Guarded(error, dir, () =>
                {
                    using var opened = SearchStore.Open(location);
                    if (Write(opened, parse.GetValue(top), dir, output) > 0) return ExitCodes.Success;
                    error.WriteLine($"No architecture in '{location}' has a fitness yet (a score on every task and a GRU to compare with): run the search further.");
                    return ExitCodes.Failure;
                });
            });
            return command;
        }

        /// <summary>Writes the <paramref name="top"/> architectures with a fitness, best first, as NAME.cs files in
        /// <paramref name="dir"/> with NAME.json beside each (its best runs and the search's settings; each .cs path
        /// printed) or, without one, their sources to <paramref name="output"/>. Returns how many; 0 when none has a fitness.</summary>
        public static int Write(ISearchStore store, int top, string? dir, TextWriter output)
        {
            var best = LeaderboardTable.Rows(store).Where(r => r.Fitness is not null).Take(top).ToList();
            if (best.Count > 0 && dir is not null) Directory.CreateDirectory(dir);
            var evaluation = SearchLoop.StoredOptions(store)?.Evaluation;
            var results = store.Results();
            foreach (var row in best)
            {
                var arch = store.FindArchitecture(row.ArchitectureId)!;
                string name = ClassName(arch);
                var graph = GraphText.Read(arch.GraphText) with { Name = name };
                var runs = BestRuns(results.Where(r => r.Job.ArchitectureId == arch.Id));
                var cell = new ExportedCell(name, arch.Id, row.Fitness!.Value, row.CompileSeconds, row.TrainSeconds, runs, evaluation);
                string source = Header(cell) + DslPrinter.PrintClass(graph, Namespace);
                if (dir is null) output.Write(source + "\n");
                else
                {
                    string file = Path.Combine(dir, name + ".cs");
                    File.WriteAllText(file, source);
                    File.WriteAllText(Path.ChangeExtension(file, ".json"), JsonSerializer.Serialize(cell, Json));
                    output.WriteLine(file);
                }
            }
            return best.Count;
        }

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        /// <summary>One task's best run: with the search's evaluation settings, enough to train the exported cell again
        /// and get <paramref name="Score"/> back (CandidateEvaluator.Evaluate with this task, setting and seed).</summary>
        public sealed record ExportedRun(string Task, Hyperparameters Hyperparameters, long Seed, double Score);

        /// <summary>What `search export --out` writes beside NAME.cs as NAME.json.</summary>
        /// <param name="Evaluation">The search's evaluation settings (budgets, data seed); null when the store holds no
        /// search options (results written by other means).</param>
        public sealed record ExportedCell(string Name, long StoreId, double Fitness, double CompileSeconds, double TrainSeconds,
            IReadOnlyList<ExportedRun> Best, EvaluationSettings? Evaluation);

        public static ExportedCell ReadExported(string file) => JsonSerializer.Deserialize<ExportedCell>(File.ReadAllText(file), Json)
            ?? throw new InvalidDataException($"{file} holds no exported cell.");

        // Per task, the run with the best score; the lowest job id among equal scores, as the queue ran them.
        private static List<ExportedRun> BestRuns(IEnumerable<(Job Job, JobResult Result, DateTimeOffset FinishedAt)> results)
            => results.Where(r => r.Job.Kind == JobKind.Task && r.Result.Score is not null)
                .GroupBy(r => r.Job.Task, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.OrderByDescending(r => r.Result.Score!.Value).ThenBy(r => r.Job.Id).First())
                .OrderBy(r => r.Job.Task, StringComparer.Ordinal)
                .Select(r => new ExportedRun(r.Job.Task, Hyperparameters.FromJson(r.Job.Hyperparameters), r.Job.Seed, r.Result.Score!.Value))
                .ToList();

        private static string Header(ExportedCell c)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"// Found by the architecture search (store id {c.StoreId}): fitness {c.Fitness:0.0000} over the GRU;\n");
            text.Append(CultureInfo.InvariantCulture, $"// {c.CompileSeconds:0.00} s compiling and {c.TrainSeconds:0.0} s training over its runs. Its best runs\n");
            text.Append("// (--out writes them with the search's settings to NAME.json, to train it again):\n");
            foreach (var r in c.Best)
                text.Append(CultureInfo.InvariantCulture, $"//   {r.Task} {r.Score:0.0000}: init scale {r.Hyperparameters.InitScale:G}, learning rate {r.Hyperparameters.LearningRate:G}, clip {r.Hyperparameters.ClipNorm:G}, {r.Hyperparameters.Layers} layer(s), seed {r.Seed}\n");
            return text.ToString();
        }

        /// <summary>The class a stored architecture is exported as: the baseline's name made an identifier (LSTM-b is
        /// LSTM_b), or MutantID.</summary>
        public static string ClassName(Architecture a)
            => a.Name.Length > 0 ? new string(a.Name.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_').ToArray())
               : "Mutant" + a.Id.ToString(CultureInfo.InvariantCulture);
    }
}
