using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using CellDsl.Cli.Rendering;
using CellDsl.Search.Store;

namespace CellDsl.Cli.Commands
{
    /// <summary>
    /// `celldsl search demo`: a short search on the embedded tasks (about four minutes on a free core, nothing to
    /// download) into a new folder, then what a person looks at: the leaderboard, the best cells exported as DSL C#,
    /// and the HTML report. The budget is <see cref="SearchBudget.Demo"/>; every budget option of `search run` can
    /// change it.
    /// </summary>
    public static class SearchDemoCommand
    {
        public const string DefaultFolder = "search-demo";
        public const string StoreFile = "search.db", CellsFolder = "cells", ReportFile = "report.html";

        public static Command Create(TextWriter output, TextStyle style)
        {
            var outDir = new Option<string>("--out")
            {
                Description = $"A new folder for the store ({StoreFile}), the exported cells ({CellsFolder}/) and the report ({ReportFile}).",
                HelpName = "DIR",
                DefaultValueFactory = _ => DefaultFolder,
            };
            var top = CommonOptions.Positive("--top", "How many of the best architectures to list, export and draw.", SearchReportCommand.DefaultTop);
            var budget = new SearchBudgetOptions(SearchBudget.Demo);
            var command = new Command("demo", "A search of about four minutes on the embedded memorization, Arith and XML tasks, then its leaderboard, its best cells as DSL C# and its HTML report.")
            {
                outDir, top,
            };
            budget.AddTo(command);
            command.SetAction(parse =>
            {
                string dir = parse.GetValue(outDir)!;
                var error = parse.InvocationConfiguration.Error;
                string storePath = Path.Combine(dir, StoreFile);
                if (File.Exists(storePath))
                {
                    error.WriteLine($"'{storePath}' already holds a search: name a new folder with --out, read this one with celldsl search report --store {storePath}, or continue it with celldsl search run --store {storePath} --resume and the budget it was started with.");
                    return ExitCodes.Usage;
                }
                int n = parse.GetValue(top);
                return SearchCommand.Guarded(error, dir, () =>
                {
                    Directory.CreateDirectory(dir);
                    output.WriteLine($"Searching into {storePath}: the LSTM and GRU baselines and the LSTM-b reference, then {parse.GetValue(budget.Steps)} steps.");
                    // The search is `search run` itself (its progress lines, Ctrl-C and options), run with the demo's budget.
                    var run = SearchRunCommand.Create(output, style);
                    int ran = run.Parse(["--store", storePath, .. budget.Arguments(parse)]).Invoke(new InvocationConfiguration { Output = output, Error = error });
                    if (ran != ExitCodes.Success) return ran;
                    using (var store = SearchStore.Open(storePath))
                    {
                        output.WriteLine();
                        LeaderboardTable.Write(output, storePath, LeaderboardTable.Rows(store), n, style);
                        output.WriteLine();
                        output.WriteLine("The best cells as DSL C# (they compile with the generator as they are):");
                        if (SearchExportCommand.Write(store, n, Path.Combine(dir, CellsFolder), output) == 0)
                            output.WriteLine("none: no architecture has a fitness (the baselines' runs all failed; see the leaderboard).");
                    }
                    string report = Path.Combine(dir, ReportFile);
                    int code = SearchReportCommand.Write(storePath, report, n, error);
                    if (code == ExitCodes.Success) output.WriteLine($"\nThe report, to open in a browser: {report}");
                    return code;
                });
            });
            return command;
        }
    }
}
