using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Cli.Rendering;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
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
        /// <paramref name="dir"/> (each path printed) or, without one, their sources to <paramref name="output"/>.
        /// Returns how many; 0 when none has a fitness.</summary>
        public static int Write(ISearchStore store, int top, string? dir, TextWriter output)
        {
            var best = LeaderboardTable.Rows(store).Where(r => r.Fitness is not null).Take(top).ToList();
            if (best.Count > 0 && dir is not null) Directory.CreateDirectory(dir);
            foreach (var row in best)
            {
                var arch = store.FindArchitecture(row.ArchitectureId)!;
                string name = ClassName(arch);
                var graph = GraphText.Read(arch.GraphText) with { Name = name };
                string source = string.Create(CultureInfo.InvariantCulture,
                    $"// Found by the architecture search (store id {arch.Id}): fitness {row.Fitness:0.0000} over the GRU.\n")
                    + DslPrinter.PrintClass(graph, Namespace);
                if (dir is null) output.Write(source + "\n");
                else
                {
                    string file = Path.Combine(dir, name + ".cs");
                    File.WriteAllText(file, source);
                    output.WriteLine(file);
                }
            }
            return best.Count;
        }

        /// <summary>The class a stored architecture is exported as: the baseline's name, or MutantID.</summary>
        public static string ClassName(Architecture a) => a.Name.Length > 0 ? a.Name : "Mutant" + a.Id.ToString(CultureInfo.InvariantCulture);
    }
}
