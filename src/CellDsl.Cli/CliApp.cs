using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.IO;
using CellDsl.Cli.Commands;
using CellDsl.Cli.Rendering;

namespace CellDsl.Cli
{
    /// <summary>The celldsl command line: builds the verbs and runs one invocation against the writers given.</summary>
    public static class CliApp
    {
        public const string Name = "celldsl";

        /// <summary>
        /// The root command. Not a RootCommand: that takes its name from the executable, which is not called celldsl
        /// under dotnet run or in tests, so usage lines would name the wrong program.
        /// </summary>
        public static Command Build(TextWriter output, TextStyle style, TextWriter? error = null)
            => new(Name, "Inspect, gradient-check and train CellDsl's recurrent cells, and search for new ones.")
            {
                new HelpOption(),
                new VersionOption(),
                CellsCommand.Create(output, style),
                CheckCommand.Create(output, style),
                TrainCommand.Create(output, error ?? output, style),
                EvalCommand.Create(output, error ?? output, style),
                GenerateCommand.Create(output, error ?? output, style),
                PlotCommand.Create(output, error ?? output, style),
                SearchCommand.Create(output, style),
                CpuCommand.Create(output, error ?? output),
            };

        /// <summary>Runs the command line and returns the exit code: 0 success, 1 a check failed or a run's files could not be used, 2 bad arguments.</summary>
        public static int Run(string[] args, TextWriter output, TextWriter error, TextStyle style)
        {
            var root = Build(output, style, error);
            // Without a verb there is nothing to do; the help says what there is.
            var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
            var configuration = new InvocationConfiguration { Output = output, Error = error };
            if (parse.Action is ParseErrorAction errors)
            {
                // The full help after an error buries the message; the error and typo suggestions are enough.
                errors.ShowHelp = false;
                parse.Invoke(configuration);
                error.WriteLine($"Run '{CommandPath(parse)} --help' for usage.");
                return ExitCodes.Usage;
            }
            int code = parse.Invoke(configuration);
            return args.Length == 0 ? ExitCodes.Usage : code;
        }

        private static string CommandPath(ParseResult parse)
        {
            var command = parse.CommandResult.Command;
            return command == parse.RootCommandResult.Command ? Name : Name + " " + command.Name;
        }
    }
}
