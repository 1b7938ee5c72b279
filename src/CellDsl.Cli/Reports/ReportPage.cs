using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CellDsl.Cli.Commands;
using CellDsl.Cli.Rendering;
using CellDsl.Compiler.Printing;

namespace CellDsl.Cli.Reports
{
    /// <summary>
    /// The report as one self-contained HTML page: inline CSS and SVG, no script and nothing fetched, so it reads the
    /// same from a file, a mail attachment or a CI artefact. Sections: the search in numbers, fitness over the
    /// candidates, the top cells against the baselines per task, a table of the top cells, and each top cell drawn as
    /// a graph above its DSL source.
    /// </summary>
    public static class ReportPage
    {
        public static string Write(SearchReport report)
        {
            ArgumentNullException.ThrowIfNull(report);
            var sb = new StringBuilder();
            sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            sb.Append("<title>Architecture search: ").Append(Html.Escape(report.Store)).Append("</title>\n");
            sb.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
            sb.Append("<h1>Architecture search</h1>\n");
            Summary(sb, report);

            sb.Append("<section id=\"fitness\">\n<h2>Fitness of every candidate</h2>\n");
            sb.Append("<p>Each architecture once, in the order the search first finished a run of it (the baselines first). Fitness is the ")
              .Append("minimum over tasks of its best score over the GRU's best (so the GRU is 1), with the GRU's best as the store holds it now. ")
              .Append("Candidates without a fitness sit at 0: those the memorization filter stopped, and those dropped early or failed on a task. ")
              .Append("The step line is the best fitness so far.</p>\n");
            sb.Append(ReportPlots.Fitness(report, "plot-fitness")).Append("\n</section>\n");

            var compared = report.Baselines.Concat(report.Top.Where(c => !c.IsBaseline)).ToList();
            sb.Append("<section id=\"tasks\">\n<h2>Per-task scores of the top cells against the baselines</h2>\n");
            if (report.Tasks.Count == 0)
                sb.Append("<p class=\"note\">No architecture has a task score yet: every candidate so far stopped at the memorization filter or failed.</p>\n");
            else
            {
                sb.Append("<p>The best validation accuracy (next-step, teacher forcing; Arith counts the answer digits) of each baseline the ")
                  .Append("store holds and of each top cell, per task. Every model is matched to the GRU's parameter count.</p>\n");
                sb.Append(ReportPlots.Tasks(report, compared, "plot-tasks")).Append('\n');
            }
            sb.Append("</section>\n");

            Table(sb, report);
            Cells(sb, report);
            sb.Append("</body>\n</html>\n");
            return sb.ToString();
        }

        private static void Summary(StringBuilder sb, SearchReport r)
        {
            int ranked = r.Candidates.Count(c => c.Standing == CandidateStanding.Ranked);
            int filtered = r.Candidates.Count(c => c.Standing == CandidateStanding.Filtered);
            int unranked = r.Candidates.Count(c => c.Standing == CandidateStanding.Unranked);
            sb.Append("<p class=\"summary\">Store <code>").Append(Html.Escape(r.Store)).Append("</code>: ")
              .Append(Invariant($"{r.Candidates.Count} architectures evaluated ({ranked} with a fitness, {filtered} stopped at the filter, {unranked} dropped or failed), "))
              .Append(Invariant($"{r.Runs} runs ({r.FailedRuns} failed); compile {r.CompileSeconds:0.0} s and training {r.TrainSeconds:0.0} s in all"));
            if (r.First is { } first && r.Last is { } last)
                sb.Append(Invariant($", first run finished {first.UtcDateTime:yyyy-MM-dd HH:mm} UTC, last {last.UtcDateTime:yyyy-MM-dd HH:mm} UTC"));
            sb.Append(".</p>\n");
            if (!r.Top.Any(c => c.Row.Fitness is not null))
                sb.Append("<p class=\"note\">No architecture has a fitness yet: fitness needs the GRU's score and a score on each of its tasks.</p>\n");
            if (r.Options is { } options)
                sb.Append("<details><summary>The search's options</summary><pre>").Append(Html.Escape(options)).Append("</pre></details>\n");
        }

        private static void Table(StringBuilder sb, SearchReport r)
        {
            sb.Append("<section id=\"top\">\n<h2>Top cells</h2>\n<table class=\"top\">\n<thead><tr><th>rank</th><th>architecture</th><th>fitness</th>");
            foreach (var t in r.Tasks) sb.Append("<th>").Append(Html.Escape(t)).Append("</th>");
            sb.Append("<th>parameters</th><th>settings of the best runs</th><th>runs</th></tr></thead>\n<tbody>\n");
            for (int i = 0; i < r.Top.Count; i++)
            {
                var c = r.Top[i];
                sb.Append("<tr").Append(c.IsBaseline ? " class=\"baseline\"" : "").Append(Invariant($"><td>{i + 1}</td><td><a href=\"#{CellId(i)}\">"))
                  .Append(Html.Escape(c.Name)).Append("</a></td><td class=\"num\">").Append(Number(c.Row.Fitness)).Append("</td>");
                foreach (var t in r.Tasks)
                    sb.Append("<td class=\"num\">").Append(Number(c.Best.TryGetValue(t, out var b) ? b.Score : null)).Append("</td>");
                var scored = r.Tasks.Where(c.Best.ContainsKey).Select(t => c.Best[t]).ToList();
                sb.Append("<td class=\"num\">").Append(scored.Count == 0 ? "-" : string.Join("<br>", scored.Select(b => Html.Escape($"{b.Task}: {Size(b)}"))));
                sb.Append("</td><td>").Append(string.Join("<br>", scored.Select(b => Html.Escape($"{b.Task}: {Setting(b)}"))));
                sb.Append("</td><td class=\"num\">").Append(c.Row.Failures == 0 ? Invariant($"{c.Row.Evaluations}") : Invariant($"{c.Row.Evaluations} ({c.Row.Failures} failed)"))
                  .Append("</td></tr>\n");
            }
            sb.Append("</tbody>\n</table>\n<p>Parameters are the whole model's (embedding, cells, softmax) at the hidden size H the cell got ")
              .Append("to match the GRU's count; settings are the paper's grid (init scale s: weights from U[−s/√H, s/√H]; ")
              .Append("learning rate; gradient-norm clip; layers).</p>\n</section>\n");
        }

        private static void Cells(StringBuilder sb, SearchReport r)
        {
            sb.Append("<section id=\"cells\">\n<h2>The top cells as graphs</h2>\n<p class=\"legend\">").Append(CellDrawing.Legend()).Append("</p>\n");
            for (int i = 0; i < r.Top.Count; i++)
            {
                var c = r.Top[i];
                var graph = c.Graph with { Name = SearchExportCommand.ClassName(c.Architecture) };
                sb.Append(Invariant($"<figure class=\"cell\" id=\"{CellId(i)}\">\n<h3>{i + 1}. ")).Append(Html.Escape(c.Name))
                  .Append(c.Row.Fitness is { } f ? Invariant($", fitness {f:0.000}") : ", no fitness yet").Append("</h3>\n");
                if (c.Architecture.Mutation is { } mutation)
                    sb.Append("<p class=\"mutation\">").Append(Html.Escape(Invariant($"Mutated from architecture {c.Architecture.ParentId}: {mutation}"))).Append("</p>\n");
                sb.Append(CellDrawing.Svg(GraphLayout.Of(c.Graph), c.Name, CellId(i) + "-graph")).Append('\n');
                sb.Append("<figcaption>The DSL source (as <code>celldsl search export</code> writes it):</figcaption>\n<pre class=\"dsl\">")
                  .Append(Html.Escape(DslPrinter.PrintClass(graph))).Append("</pre>\n</figure>\n");
            }
            sb.Append("</section>\n");
        }

        private static string CellId(int rank) => Invariant($"cell-{rank + 1}");

        private static string Size(BestRun b)
            => b.ModelParameters is { } p ? Numbers.Count(p) + (b.Hidden is { } h ? Invariant($" (H {h})") : "") : "-";

        private static string Setting(BestRun b)
            => b.Parsed is { } h ? Invariant($"init {h.InitScale:0.###}, lr {h.LearningRate:0.###}, clip {h.ClipNorm:0.###}, {h.Layers} {(h.Layers == 1 ? "layer" : "layers")}") : b.Setting;

        private static string Number(double? v) => v?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-";

        private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        private const string Style = """
            body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em; color: #222; }
            h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05em; }
            code, pre { font: 13px/1.4 ui-monospace, monospace; }
            pre.dsl { background: #f6f6f4; padding: 0.8em; overflow-x: auto; }
            .note { color: #8a5a00; }
            svg.plot { max-width: 100%; height: auto; display: block; }
            table.top { border-collapse: collapse; font-size: 14px; }
            table.top th, table.top td { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
            table.top td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.baseline td { color: #666; }
            figure.cell { margin: 1.5em 0; }
            svg.cell-graph { max-width: 100%; height: auto; display: block; }
            svg.cell-graph text { font: 12px ui-monospace, monospace; fill: #111; }
            svg.cell-graph .edge { fill: none; stroke: #777; stroke-width: 1.2; }
            svg.cell-graph .edge.subtracted { stroke-dasharray: 4 3; }
            svg.cell-graph .arrowhead { fill: #777; }
            svg.cell-graph rect { stroke: #555; stroke-width: 1; }
            .input rect { fill: #cfe3ff; } .key.input { background: #cfe3ff; }
            .state rect { fill: #d9f2d9; } .key.state { background: #d9f2d9; }
            .parameter rect { fill: #f3f3f3; } .key.parameter { background: #f3f3f3; }
            .constant rect { fill: #ffffff; } .key.constant { background: #ffffff; }
            .projection rect { fill: #ffe7c2; } .key.projection { background: #ffe7c2; }
            .op rect { fill: #fff6b3; } .key.op { background: #fff6b3; }
            .activation rect { fill: #f5d0f0; } .key.activation { background: #f5d0f0; }
            .output rect { fill: #b9e8b9; } .key.output { background: #b9e8b9; }
            .legend .key { display: inline-block; padding: 0 0.5em; margin: 0 0.4em 0.3em 0; border: 1px solid #999; border-radius: 3px; font-size: 13px; }
            .legend .key.dashed { border-style: dashed; }

            """;
    }
}
