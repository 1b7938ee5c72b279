using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Cli.Checking;
using CellDsl.Cli.Rendering;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl check`: gradient-checks zoo cells against the float64 interpreter.</summary>
    public static class CheckCommand
    {
        private const string KeepSmall = "Keep it small: finite differences run the interpreter twice per number checked.";

        public static Command Create(TextWriter output, TextStyle style)
        {
            var cells = CommonOptions.CellNames("Cells to check (default: the whole zoo).");
            var input = CommonOptions.Positive("--input", $"Input size. {KeepSmall}", CheckSettings.DefaultInputSize);
            var hidden = CommonOptions.Positive("--hidden", $"Hidden size. {KeepSmall}", CheckSettings.DefaultHiddenSize);
            var steps = CommonOptions.Positive("--steps", "Sequence length.", CheckSettings.DefaultSteps, "T");
            var batch = CommonOptions.Positive("--batch", "Batch rows.", CheckSettings.DefaultBatch, "B");
            var seed = new Option<int>("--seed")
            {
                Description = "Seed for the parameters (biases and peepholes drawn at random too), inputs, initial states and loss weights.",
                HelpName = "S",
                DefaultValueFactory = _ => CheckSettings.DefaultSeed,
            };
            var tolerance = new Option<double>("--tolerance")
            {
                Description = "Largest allowed error of a tensor, relative to the largest magnitude of its float64 value.",
                HelpName = "TOL",
                DefaultValueFactory = _ => CheckSettings.DefaultTolerance,
                CustomParser = result =>
                {
                    string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                    if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 && double.IsFinite(value))
                        return value;
                    result.AddError($"--tolerance must be a positive number such as 1e-4, got '{token}'.");
                    return CheckSettings.DefaultTolerance;
                },
            };

            // The description is also the command's line in the top-level help, so it stays to one sentence.
            var command = new Command("check",
                "Gradient-check cells (forward, and gradients of parameters, input and initial states) against the " +
                "float64 interpreter's finite differences; exit code 1 when any fails.")
            {
                cells, input, hidden, steps, batch, seed, tolerance,
            };
            command.SetAction(parse => Run(new CheckSettings(
                parse.GetValue(cells) ?? [],
                parse.GetValue(input), parse.GetValue(hidden),
                parse.GetValue(steps), parse.GetValue(batch),
                parse.GetValue(seed), parse.GetValue(tolerance)), output, style));
            return command;
        }

        /// <summary>Checks the cells, writing each result as it is done; returns the process exit code.</summary>
        public static int Run(CheckSettings settings, TextWriter output, TextStyle style)
        {
            var entries = ZooCatalog.Select(settings.Cells);
            var writer = new CheckReportWriter(output, style, settings, entries.Select(e => e.Name));
            writer.WriteHeader(entries.Count);
            var clock = Stopwatch.StartNew();
            var results = new List<CellCheckResult>();
            foreach (var entry in entries)
            {
                var result = CellCheck.Run(entry, settings);
                results.Add(result);
                writer.WriteCell(result);
                output.Flush();
            }
            writer.WriteSummary(results, clock.Elapsed);

            if (results.Any(r => r.Outcome == CheckOutcome.Failed)) return ExitCodes.Failure;
            // Every cell named was skipped: the sizes asked for cannot be checked, which is a usage error.
            if (results.All(r => r.Outcome == CheckOutcome.Skipped)) return ExitCodes.Usage;
            return ExitCodes.Success;
        }
    }
}
