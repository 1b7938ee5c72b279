using System.CommandLine;
using System.IO;
using CellDsl.Cli.Rendering;
using CellDsl.Search.Store;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl search ...`: the architecture search's verbs over a store.</summary>
    public static class SearchCommand
    {
        public const int DefaultTop = 20;

        public static Command Create(TextWriter output, TextStyle style)
            => new("search", "The architecture search of Jozefowicz et al. (2015): its results in a store.")
            {
                Leaderboard(output, style),
                SearchRunCommand.Create(output, style),
                SearchWorkerCommand.Create(output),
                SearchExportCommand.Create(output),
                SearchReportCommand.Create(output),
                SearchDemoCommand.Create(output, style),
            };

        /// <summary>The option naming the store: an SQLite file, or postgres: followed by an Npgsql connection string.</summary>
        public static Option<string> StoreOption() => new("--store")
        {
            Description = "The search's store: an SQLite file, or postgres:Host=...;Database=...;Username=... for PostgreSQL.",
            HelpName = "STORE",
            Required = true,
        };

        /// <summary>For the verbs that read a store: whether it is an SQLite file that does not exist, said on
        /// <paramref name="error"/>. Reading must not create: a mistyped file name would otherwise become an empty store.</summary>
        public static bool MissingStore(string location, TextWriter error)
        {
            if (location.StartsWith(SearchStore.PostgresPrefix, System.StringComparison.OrdinalIgnoreCase) || File.Exists(location)) return false;
            error.WriteLine($"There is no search store '{location}': name the file a search wrote (or postgres:... for PostgreSQL).");
            return true;
        }

        /// <summary>Runs a verb's work over a store, turning what the store or the report refuses (unusable, empty,
        /// malformed) and what the file system refuses (writing to <paramref name="outPath"/>) into a message on
        /// <paramref name="error"/> and exit code 1.</summary>
        public static int Guarded(TextWriter error, string? outPath, System.Func<int> work)
        {
            try { return work(); }
            catch (System.Exception e) when (e is SearchStoreException or InvalidDataException)
            {
                error.WriteLine(e.Message);
                return ExitCodes.Failure;
            }
            catch (System.Exception e) when (e is IOException or System.UnauthorizedAccessException)
            {
                error.WriteLine($"--out: cannot write to '{outPath}': {e.Message}");
                return ExitCodes.Failure;
            }
        }

        private static Command Leaderboard(TextWriter output, TextStyle style)
        {
            var store = StoreOption();
            var top = CommonOptions.Positive("--top", "How many architectures to list.", DefaultTop);
            var command = new Command("leaderboard", "Rank the store's architectures by fitness: the minimum over tasks of their best score over the GRU's.")
            {
                store, top,
            };
            command.SetAction(parse =>
            {
                string location = parse.GetValue(store)!;
                var error = parse.InvocationConfiguration.Error;
                if (MissingStore(location, error)) return ExitCodes.Usage;
                try
                {
                    using var opened = SearchStore.Open(location);
                    LeaderboardTable.Write(output, location, LeaderboardTable.Rows(opened), parse.GetValue(top), style);
                    return ExitCodes.Success;
                }
                catch (SearchStoreException e)
                {
                    error.WriteLine(e.Message);
                    return ExitCodes.Failure;
                }
            });
            return command;
        }
    }
}
