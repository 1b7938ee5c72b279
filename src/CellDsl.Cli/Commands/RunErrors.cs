using System;
using System.IO;
using CellDsl.Cli.Checking;
using CellDsl.Cli.Runs;
using CellDsl.Kernels;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Data;

namespace CellDsl.Cli.Commands
{
    /// <summary>
    /// The exit codes of the run verbs: a command line that cannot mean anything is 2 (a parse error, or settings the
    /// engine refuses); a command line that is fine but whose files cannot be used (a corpus file, a run folder, a
    /// checkpoint) or whose training diverged is 1. Either way the message names the file or option and what to do.
    /// </summary>
    internal static class RunErrors
    {
        public static int Guard(TextWriter error, Func<int> body)
        {
            try { return body(); }
            // A cell file the parser or compiler refuses is a command line that cannot mean anything, as an unknown zoo name is.
            catch (CellFileException e)
            {
                error.WriteLine(e.Message);
                return ExitCodes.Usage;
            }
            // IOException and UnauthorizedAccessException: a run folder that cannot be written; their messages name the path.
            catch (Exception e) when (e is DataFormatException or RunFolderException or CheckpointException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine(e.Message);
                return ExitCodes.Failure;
            }
            // A CELLDSL_GEMM naming no kernel this machine runs: surfaces at the first product.
            catch (ArgumentException e) when (e.ParamName == GemmKernel.Variable)
            {
                error.WriteLine(ZooCatalog.StripParameterName(e));
                return ExitCodes.Usage;
            }
        }

        /// <summary>A usage error found after parsing: the message and where help is, exit code 2.</summary>
        public static int Usage(TextWriter error, string verb, string message)
        {
            error.WriteLine(message);
            error.WriteLine($"Run '{CliApp.Name} {verb} --help' for usage.");
            return ExitCodes.Usage;
        }

        public static int Usage(TextWriter error, string verb, ArgumentException e) => Usage(error, verb, ZooCatalog.StripParameterName(e));
    }
}
