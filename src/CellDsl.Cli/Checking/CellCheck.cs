using System;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
using CellDsl.Testing;
using CellDsl.Zoo;

namespace CellDsl.Cli.Checking
{
    public enum CheckOutcome { Passed, Failed, Skipped }

    /// <summary>One cell's gradient check: the report, or why there is none (the sizes do not fit, or the cell threw).</summary>
    public sealed record CellCheckResult(ZooEntry Entry, CheckOutcome Outcome, GradientCheckReport? Report, string? Problem, TimeSpan Elapsed);

    /// <summary>Runs <see cref="GradientCheck"/> on zoo cells with the settings of one `celldsl check`.</summary>
    public static class CellCheck
    {
        public static CellCheckResult Run(ZooEntry entry, CheckSettings settings)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (settings.InputSize != settings.HiddenSize && DslPrinter.SquareRequirement(ZooCatalog.Graph(entry)) is { } why)
                return new CellCheckResult(entry, CheckOutcome.Skipped, null, "needs input size == hidden size: " + why, clock.Elapsed);
            try
            {
                var cell = entry.Create(settings.InputSize, settings.HiddenSize, settings.Seed);
                RandomizeNonDense(cell, settings.Seed);
                var report = GradientCheck.Run(cell, settings.Steps, settings.Batch, settings.Seed);
                var outcome = report.Passed(settings.Tolerance) ? CheckOutcome.Passed : CheckOutcome.Failed;
                return new CellCheckResult(entry, outcome, report, null, clock.Elapsed);
            }
            catch (Exception e)
            {
                // A cell that throws is a failed check, and the remaining cells still deserve theirs.
                return new CellCheckResult(entry, CheckOutcome.Failed, null, $"{e.GetType().Name}: {e.Message}", clock.Elapsed);
            }
        }

        /// <summary>
        /// Biases start as constants (mostly zero) and peephole weights as zero, which would leave some paths of the
        /// backward pass multiplied by zero; random values make every path count in the comparison.
        /// </summary>
        private static void RandomizeNonDense(IRecurrentCell cell, int seed)
        {
            var rng = new CellRandom(seed ^ 0x5DEECE66DL);
            foreach (var p in cell.ParameterLayout)
                if (p.Kind != ParamKind.Dense) rng.FillUniform(cell.Parameters.Slice(p.Offset, p.Length), -0.5f, 0.5f);
        }
    }
}
