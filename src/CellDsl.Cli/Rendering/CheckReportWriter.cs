using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CellDsl.Cli.Checking;
using CellDsl.Testing;

namespace CellDsl.Cli.Rendering
{
    /// <summary>
    /// Writes `celldsl check` results as they arrive: a header, per cell a verdict line (forward error and worst
    /// gradient) and every checked tensor's relative error in layout order, then a summary.
    /// </summary>
    public sealed class CheckReportWriter
    {
        private readonly TextWriter _output;
        private readonly TextStyle _style;
        private readonly CheckSettings _settings;
        private readonly int _nameWidth;
        private int _cellsWritten;

        public CheckReportWriter(TextWriter output, TextStyle style, CheckSettings settings, IEnumerable<string> cellNames)
        {
            _output = output;
            _style = style;
            _settings = settings;
            _nameWidth = cellNames.Select(n => n.Length).DefaultIfEmpty(0).Max();
        }

        public void WriteHeader(int cellCount)
        {
            var s = _settings;
            _output.WriteLine($"Gradient check of {cellCount} {(cellCount == 1 ? "cell" : "cells")} against the float64 interpreter " +
                              $"(finite differences)");
            _output.WriteLine($"input {s.InputSize}, hidden {s.HiddenSize}, {s.Steps} {(s.Steps == 1 ? "step" : "steps")}, " +
                              $"batch {s.Batch}, seed {s.Seed}; pass when every max |error| / max |oracle| <= {Numbers.Tolerance(s.Tolerance)}");
            _output.WriteLine();
        }

        public void WriteCell(CellCheckResult result)
        {
            if (_cellsWritten++ > 0) _output.WriteLine();
            string name = _style.Bold(result.Entry.Name.PadRight(_nameWidth));
            string verdict = result.Outcome switch
            {
                CheckOutcome.Passed => _style.Green("PASS"),
                CheckOutcome.Failed => _style.Red("FAIL"),
                _ => _style.Yellow("SKIP"),
            };
            if (result.Report is not { } report)
            {
                _output.WriteLine($"{name}  {verdict}  {result.Problem}");
                return;
            }
            var worst = report.Worst;
            _output.WriteLine($"{name}  {verdict}  forward {Styled(report.Forward)}   worst {worst.Name} {Styled(worst)}");
            int tensorWidth = report.Gradients.Max(g => g.Name.Length);
            WriteGrid(report.Gradients
                .Select(g => (Plain: $"{g.Name.PadRight(tensorWidth)} {Marked(g)}", Text: $"{g.Name.PadRight(tensorWidth)} {Styled(g)}"))
                .ToList());
        }

        public void WriteSummary(IReadOnlyList<CellCheckResult> results, TimeSpan elapsed)
        {
            int passed = results.Count(r => r.Outcome == CheckOutcome.Passed);
            var failed = results.Where(r => r.Outcome == CheckOutcome.Failed).Select(r => r.Entry.Name).ToList();
            var skipped = results.Where(r => r.Outcome == CheckOutcome.Skipped).Select(r => r.Entry.Name).ToList();

            var parts = new List<string> { _style.Green($"{passed} passed") };
            if (failed.Count > 0) parts.Add(_style.Red($"{failed.Count} failed ({string.Join(", ", failed)})"));
            if (skipped.Count > 0) parts.Add(_style.Yellow($"{skipped.Count} skipped ({string.Join(", ", skipped)}: sizes differ)"));
            _output.WriteLine();
            _output.WriteLine($"{string.Join(", ", parts)} in {Numbers.Seconds(elapsed.TotalSeconds)}.");

            var worst = results.Where(r => r.Report is not null)
                .SelectMany(r => r.Report!.Gradients.Append(r.Report.Forward).Select(g => (Cell: r.Entry.Name, Error: g)))
                .OrderByDescending(e => e.Error.Relative).FirstOrDefault();
            if (worst.Error is not null)
                _output.WriteLine($"Largest error: {worst.Cell} {worst.Error.Name} {Numbers.Error(worst.Error.Relative)} " +
                                  $"(tolerance {Numbers.Tolerance(_settings.Tolerance)}).");
            if (passed == 0 && failed.Count == 0 && skipped.Count > 0)
                _output.WriteLine("Nothing was checked: give --input and --hidden the same value for these cells.");
        }

        private bool Over(GradientError e) => !(e.Relative <= _settings.Tolerance);

        /// <summary>An error figure, marked with '!' when it is above the tolerance (or NaN), so the mark survives without colour.</summary>
        private string Marked(GradientError e) => Numbers.Error(e.Relative) + (Over(e) ? "!" : "");

        private string Styled(GradientError e) => Over(e) ? _style.Red(Marked(e)) : Marked(e);

        /// <summary>Items in aligned columns under the verdict, as many to a line as the style's width allows.</summary>
        private void WriteGrid(IReadOnlyList<(string Plain, string Text)> items)
        {
            if (items.Count == 0) return;
            string indent = new(' ', _nameWidth + 2);
            // Widths come from the plain text: colour codes take no columns.
            int cell = items.Max(i => i.Plain.Length);
            int columns = Math.Max(1, (_style.Width - indent.Length + 2) / (cell + 2));
            var line = new StringBuilder();
            for (int k = 0; k < items.Count; k++)
            {
                bool last = k % columns == columns - 1 || k == items.Count - 1;
                line.Append(items[k].Text);
                if (!last) line.Append(' ', cell - items[k].Plain.Length + 2);
                if (last)
                {
                    _output.WriteLine(indent + line);
                    line.Clear();
                }
            }
        }
    }
}
