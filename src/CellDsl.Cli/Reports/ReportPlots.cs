using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using ScottPlot;

namespace CellDsl.Cli.Reports
{
    /// <summary>The report's two plots, drawn with ScottPlot and returned as SVG elements to inline in the page.</summary>
    public static partial class ReportPlots
    {
        public const int Width = 900, Height = 420;

        /// <summary>Every candidate's fitness in evaluation order, the best so far as a step line, and the GRU's level (1).
        /// Candidates without a fitness sit at 0, marked by why.</summary>
        public static string Fitness(SearchReport report, string id)
        {
            var plot = new Plot();
            plot.XLabel("candidate, in the order the search evaluated it");
            plot.YLabel("fitness (the GRU = 1)");
            var gru = plot.Add.HorizontalLine(1, 1, Colors.Gray.WithAlpha(0.7));
            gru.LinePattern = LinePattern.Solid;   // the SVG backend draws no dash patterns
            gru.LegendText = "the GRU (1)";
            var c = report.Candidates;
            Points(plot, c.Where(x => x.Standing == CandidateStanding.Ranked).ToList(), x => x.Fitness!.Value, plot.Add.Palette.GetColor(0), MarkerShape.FilledCircle, "candidate with a fitness");
            Points(plot, c.Where(x => x.Standing == CandidateStanding.Filtered).ToList(), _ => 0, Colors.Gray, MarkerShape.Eks, "stopped at the memorization filter");
            Points(plot, c.Where(x => x.Standing == CandidateStanding.Unranked).ToList(), _ => 0, plot.Add.Palette.GetColor(3), MarkerShape.OpenTriangleUp, "dropped early or failed on a task");
            var best = report.BestSoFar();
            var steps = Enumerable.Range(0, c.Count).Where(i => best[i] is not null).ToList();
            if (steps.Count > 0)
            {
                var line = plot.Add.Scatter(steps.Select(i => (double)c[i].Order).ToArray(), steps.Select(i => best[i]!.Value).ToArray(), plot.Add.Palette.GetColor(1));
                line.ConnectStyle = ConnectStyle.StepHorizontal;
                line.LineWidth = 2.5f;
                line.MarkerSize = 0;
                line.LegendText = "best so far";
            }
            plot.Axes.SetLimitsX(0, Math.Max(2, c.Count + 1));
            plot.Axes.SetLimitsY(-0.05, Math.Max(1.1, c.Max(x => x.Fitness ?? 0) * 1.08));
            // Outside the data: the candidates without a fitness sit along the bottom, the best near 1.
            plot.ShowLegend(Edge.Bottom);
            return Svg(plot, id);
        }

        /// <summary>Per task, the best score of each baseline and each top cell, one bar each, grouped by task.</summary>
        public static string Tasks(SearchReport report, IReadOnlyList<ReportCell> cells, string id)
        {
            var plot = new Plot();
            plot.YLabel("best validation accuracy");
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            int group = cells.Count + 1;
            for (int t = 0; t < report.Tasks.Count; t++) ticks.AddMajor(t * group + (cells.Count - 1) / 2.0, report.Tasks[t]);
            plot.Axes.Bottom.TickGenerator = ticks;
            for (int k = 0; k < cells.Count; k++)
            {
                var color = plot.Add.Palette.GetColor(k);
                var bars = report.Tasks.Select((task, t) => (task, t)).Where(x => cells[k].Best.ContainsKey(x.task))
                    .Select(x => new Bar { Position = x.t * group + k, Value = cells[k].Best[x.task].Score, FillColor = color, LineWidth = 0 }).ToList();
                plot.Add.Bars(bars);
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = cells[k].Name, FillColor = color });
            }
            plot.Axes.SetLimitsY(0, 1.05);
            plot.Axes.SetLimitsX(-1, Math.Max(1, report.Tasks.Count * group - 1));
            plot.ShowLegend(Edge.Right);
            return Svg(plot, id);
        }

        private static void Points(Plot plot, List<EvaluatedCandidate> list, Func<EvaluatedCandidate, double> y, Color color, MarkerShape shape, string legend)
        {
            if (list.Count == 0) return;
            var series = plot.Add.ScatterPoints(list.Select(x => (double)x.Order).ToArray(), list.Select(y).ToArray(), color);
            series.MarkerShape = shape;
            series.MarkerSize = 8;
            series.LegendText = legend;
        }

        /// <summary>ScottPlot's SVG document as an element of the page: no XML declaration, a class for the style sheet,
        /// and its ids prefixed so that the clip paths of two plots in one page do not collide.</summary>
        private static string Svg(Plot plot, string id)
        {
            string svg = plot.GetSvgXml(Width, Height);
            svg = XmlDeclaration().Replace(svg, "");
            svg = IdAttribute().Replace(svg, m => $"{m.Groups[1].Value}=\"{id}-{m.Groups[2].Value}\"");
            svg = IdReference().Replace(svg, m => $"url(#{id}-{m.Groups[1].Value})");
            svg = HrefReference().Replace(svg, m => $"{m.Groups[1].Value}=\"#{id}-{m.Groups[2].Value}\"");
            int open = svg.IndexOf("<svg", StringComparison.Ordinal);
            if (open < 0) throw new InvalidOperationException("ScottPlot returned no <svg> element.");
            // A viewBox lets the page scale the plot down to a narrow window.
            return svg[..open] + $"<svg class=\"plot\" id=\"{id}\" viewBox=\"0 0 {Width} {Height}\"" + svg[(open + 4)..];
        }

        [GeneratedRegex(@"<\?xml[^>]*\?>\s*")]
        private static partial Regex XmlDeclaration();

        [GeneratedRegex(@"\b(id)=""([^""]+)""")]
        private static partial Regex IdAttribute();

        [GeneratedRegex(@"url\(#([^)]+)\)")]
        private static partial Regex IdReference();

        [GeneratedRegex(@"\b((?:xlink:)?href)=""#([^""]+)""")]
        private static partial Regex HrefReference();
    }
}
