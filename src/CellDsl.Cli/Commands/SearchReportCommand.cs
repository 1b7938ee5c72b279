using System;
using System.CommandLine;
using System.IO;
using CellDsl.Cli.Reports;
using CellDsl.Search.Store;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl search report`: the store's search as one self-contained HTML page (plots, the top cells
    /// drawn as graphs with their DSL source).</summary>
    public static class SearchReportCommand
    {
        public const int DefaultTop = 5;

        public static Command Create(TextWriter output)
        {
            var store = SearchCommand.StoreOption();
            var outFile = new Option<string>("--out") { Description = "The HTML file to write.", HelpName = "FILE", DefaultValueFactory = _ => "report.html" };
            var top = CommonOptions.Positive("--top", "How many of the best architectures to tabulate and draw.", DefaultTop);
            var command = new Command("report", "Write the search as one HTML page: fitness of every candidate, the top cells per task against the baselines, each drawn as a graph with its DSL source.")
            {
                store, outFile, top,
            };
            command.SetAction(parse =>
            {
                string location = parse.GetValue(store)!;
                var error = parse.InvocationConfiguration.Error;
                if (SearchCommand.MissingStore(location, error)) return ExitCodes.Usage;
                string file = parse.GetValue(outFile)!;
                int code = Write(location, file, parse.GetValue(top), error);
                if (code == ExitCodes.Success) output.WriteLine(file);
                return code;
            });
            return command;
        }

        /// <summary>Reads the store and writes the page; every problem is a message on <paramref name="error"/> and exit code 1.</summary>
        public static int Write(string location, string file, int top, TextWriter error)
            => SearchCommand.Guarded(error, file, () =>
            {
                string page;
                using (var opened = SearchStore.Open(location))
                    page = ReportPage.Write(SearchReport.Read(opened, location, top));
                string? folder = Path.GetDirectoryName(Path.GetFullPath(file));
                if (folder is not null) Directory.CreateDirectory(folder);
                // Written beside the target and renamed, so a browser never shows half a page.
                string temporary = file + ".tmp";
                File.WriteAllText(temporary, page);
                File.Move(temporary, file, overwrite: true);
                return ExitCodes.Success;
            });
    }
}
