using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Cli.Rendering;
using Spectre.Console;

namespace CellDsl.Cli.Runs
{
    /// <summary>Where a training run is at after a step, as the display shows it.</summary>
    /// <param name="Loss">Mean NLL per scored token over the steps since the last evaluation.</param>
    /// <param name="Metric">The corpus's figure and its value: from that loss for perplexity and bpc, the last valid
    /// accuracy for the tasks (null before the first evaluation).</param>
    public readonly record struct StepStatus(int Epoch, int Epochs, int Window, int Windows, long Step, double Loss,
        string Metric, double? Value, float LearningRate, double TokensPerSecond, TimeSpan Remaining);

    /// <summary>What the training loop tells its display.</summary>
    public interface ITrainingReport
    {
        void Step(in StepStatus status);
        void Evaluated(IReadOnlyList<MetricsRow> rows);
    }

    /// <summary>Runs a training loop under a display: a live one on a terminal, log lines elsewhere.</summary>
    public interface ITrainingView
    {
        void Run(Action<ITrainingReport> train);
    }

    public static class TrainingViews
    {
        /// <summary>
        /// A live Spectre display when the style says output is an interactive terminal and Spectre agrees (its Live
        /// display renders nothing otherwise); plain lines for files, pipes, CI and tests.
        /// </summary>
        public static ITrainingView For(TextWriter output, TextStyle style)
            => LiveConsole(output, style) is { } console ? new LiveView(console) : new PlainView(output, style);

        /// <summary>A Spectre console on the output when the style says it is an interactive terminal and Spectre agrees
        /// (its Live display renders nothing otherwise); null when progress should be plain lines.</summary>
        internal static IAnsiConsole? LiveConsole(TextWriter output, TextStyle style)
        {
            if (!style.Live) return null;
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Detect,
                ColorSystem = style.Color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.Detect,
                Out = new AnsiConsoleOutput(output),
            });
            return console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi ? console : null;
        }

        internal static string Format(StepStatus s)
            => string.Create(CultureInfo.InvariantCulture,
                $"epoch {s.Epoch + 1}/{s.Epochs}  step {s.Step + 1} ({s.Window + 1}/{s.Windows})  loss {s.Loss:F4}  " +
                $"{s.Metric} {Value(s.Metric, s.Value)}  lr {s.LearningRate:G4}  {s.TokensPerSecond:F0} tok/s  ETA {Eta(s.Remaining)}");

        internal static string Format(MetricsRow r)
            => string.Create(CultureInfo.InvariantCulture,
                $"{r.Split,-5}  epoch {r.Epoch:F2}  step {r.Step}  loss {r.Loss:F4}  {r.Metric} {Value(r.Metric, r.Value)}");

        internal static string Value(string metric, double? value)
            => value is not { } v ? "-" : metric == "perplexity" ? v.ToString("F2", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture);

        internal static string Eta(TimeSpan t)
            => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:D2}s" : $"{t.Seconds}s";

        /// <summary>A line at each tenth of an epoch and one per evaluated split: stable, greppable logs.</summary>
        private sealed class PlainView(TextWriter output, TextStyle style) : ITrainingView, ITrainingReport
        {
            public void Run(Action<ITrainingReport> train) => train(this);

            public void Step(in StepStatus s)
            {
                int every = Math.Max(1, s.Windows / 10);
                if ((s.Window + 1) % every != 0 && s.Window + 1 != s.Windows) return;
                output.WriteLine(Format(s));
                output.Flush();
            }

            public void Evaluated(IReadOnlyList<MetricsRow> rows)
            {
                foreach (var r in rows) output.WriteLine(r.Split == "train" ? Format(r) : style.Bold(Format(r)));
                output.Flush();
            }
        }

        /// <summary>A table redrawn in place: the current step, then the latest evaluations.</summary>
        private sealed class LiveView(IAnsiConsole console) : ITrainingView
        {
            private const int ShownEvaluations = 8;

            public void Run(Action<ITrainingReport> train)
            {
                var report = new Report();
                console.Live(report.Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis)
                    .Start(context => { report.Context = context; train(report); report.Refresh(force: true); });
            }

            private sealed class Report : ITrainingReport
            {
                private readonly List<MetricsRow> _evaluations = new();
                private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
                private StepStatus? _status;

                public LiveDisplayContext? Context { get; set; }

                public void Step(in StepStatus status)
                {
                    _status = status;
                    Refresh(force: false);
                }

                public void Evaluated(IReadOnlyList<MetricsRow> rows)
                {
                    _evaluations.AddRange(rows);
                    Refresh(force: true);
                }

                public void Refresh(bool force)
                {
                    // Redrawing costs more than a small model's step; a few frames a second are enough to read.
                    if (Context is null || (!force && _sinceDraw.ElapsedMilliseconds < 200)) return;
                    Context.UpdateTarget(Render());
                    _sinceDraw.Restart();
                }

                public Table Render()
                {
                    string metric = _status?.Metric ?? _evaluations.LastOrDefault()?.Metric ?? "metric";
                    var table = new Table().Border(TableBorder.Rounded)
                        .AddColumn("").AddColumn("epoch").AddColumn("step").AddColumn("loss").AddColumn(metric)
                        .AddColumn("lr").AddColumn("tok/s").AddColumn("ETA");
                    if (_status is { } s)
                        table.AddRow("[bold]training[/]", $"{s.Epoch + 1}/{s.Epochs}", $"{s.Step + 1} ({s.Window + 1}/{s.Windows})",
                            s.Loss.ToString("F4", CultureInfo.InvariantCulture), Value(s.Metric, s.Value),
                            s.LearningRate.ToString("G4", CultureInfo.InvariantCulture), s.TokensPerSecond.ToString("F0", CultureInfo.InvariantCulture), Eta(s.Remaining));
                    else
                        table.AddRow("[bold]training[/]", "-", "-", "-", "-", "-", "-", "-");
                    foreach (var r in _evaluations.Skip(Math.Max(0, _evaluations.Count - ShownEvaluations)))
                        table.AddRow(Markup.Escape(r.Split), r.Epoch.ToString("F2", CultureInfo.InvariantCulture), r.Step.ToString(CultureInfo.InvariantCulture),
                            r.Loss.ToString("F4", CultureInfo.InvariantCulture), Value(r.Metric, r.Value),
                            r.LearningRate.ToString("G4", CultureInfo.InvariantCulture), r.TokensPerSecond.ToString("F0", CultureInfo.InvariantCulture), "");
                    return table;
                }
            }
        }
    }
}
