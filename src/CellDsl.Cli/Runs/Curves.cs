using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace CellDsl.Cli.Runs
{
    /// <summary>Training curves from metrics rows: loss per epoch for train (thin, faded) and valid (thick), one colour per run.</summary>
    public static class Curves
    {
        public const int Width = 900, Height = 540;

        /// <summary>
        /// Draws the runs' curves and saves them as <paramref name="path"/> (.svg or .png). With one run the valid
        /// split's own figure (perplexity, bpc or accuracy) is drawn too, with square markers, on the right axis.
        /// </summary>
        public static void Save(string path, IReadOnlyList<(string Label, IReadOnlyList<MetricsRow> Rows)> runs)
        {
            var plot = Draw(runs);
            string extension = Path.GetExtension(path).ToLowerInvariant();
            // Render beside the target and rename, so a viewer never opens a half-written image.
            string temporary = path + ".tmp" + extension;
            if (extension == ".svg") plot.SaveSvg(temporary, Width, Height);
            else if (extension == ".png") plot.SavePng(temporary, Width, Height);
            else throw new ArgumentException($"{path}: curves are written as .svg or .png, not '{extension}'.");
            File.Move(temporary, path, overwrite: true);
        }

        private static Plot Draw(IReadOnlyList<(string Label, IReadOnlyList<MetricsRow> Rows)> runs)
        {
            var plot = new Plot();
            plot.XLabel("epoch (passes over the training split)");
            plot.YLabel("loss (mean NLL per scored token, nats)");
            for (int r = 0; r < runs.Count; r++)
            {
                var (label, rows) = runs[r];
                var color = plot.Add.Palette.GetColor(r);
                string prefix = runs.Count == 1 ? "" : label + " ";
                Series(plot, rows.Where(x => x.Split == "train").ToList(), x => x.Loss, color.WithAlpha(0.55), 1.5f, MarkerShape.OpenCircle, prefix + "train loss");
                Series(plot, rows.Where(x => x.Split == "valid").ToList(), x => x.Loss, color, 2.5f, MarkerShape.FilledCircle, prefix + "valid loss");
            }
            if (runs.Count == 1)
            {
                var valid = runs[0].Rows.Where(x => x.Split == "valid" && x.Value.HasValue).ToList();
                if (valid.Count > 0)
                {
                    string metric = valid[0].Metric;
                    var series = Series(plot, valid, x => x.Value!.Value, plot.Add.Palette.GetColor(1), 2f, MarkerShape.FilledSquare, $"valid {metric} (right axis)");
                    series!.Axes.YAxis = plot.Axes.Right;
                    plot.Axes.Right.Label.Text = AxisLabel(metric);
                }
                plot.Title(runs[0].Label);
            }
            plot.ShowLegend(Alignment.UpperRight);
            return plot;
        }

        private static ScottPlot.Plottables.Scatter? Series(Plot plot, List<MetricsRow> list, Func<MetricsRow, double> y,
            Color color, float width, MarkerShape marker, string legend)
        {
            if (list.Count == 0) return null;
            var series = plot.Add.Scatter(list.Select(x => x.Epoch).ToArray(), list.Select(y).ToArray(), color);
            // Solid lines only: the SVG backend cannot draw dash patterns (Skia prints a warning per dashed line).
            series.LineWidth = width;
            series.MarkerShape = marker;
            series.MarkerSize = 6;
            series.LegendText = legend;
            return series;
        }

        private static string AxisLabel(string metric) => metric switch
        {
            "perplexity" => "perplexity (exp of the loss)",
            "bpc" => "bits per character",
            _ => "next-step accuracy (fraction of scored targets)",
        };
    }
}
