using System.CommandLine;
using System.Globalization;
using System.IO;
using CellDsl.Cli.Rendering;
using CellDsl.Cli.Runs;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl eval RUN`: a split's figure from the run's checkpoint.</summary>
    public static class EvalCommand
    {
        public static Command Create(TextWriter output, TextWriter error, TextStyle style)
        {
            var runDir = new Argument<string>("RUN") { Description = "The run folder celldsl train wrote." };
            var split = CommonOptions.OneOf("--split", "The split to evaluate (default: valid).", new[] { "valid", "test" }, "SPLIT");
            var command = new Command("eval", "Evaluate a trained run's checkpoint on its valid or test split.") { runDir, split };
            command.SetAction(parse => RunErrors.Guard(error, () =>
            {
                var folder = RunFolder.Existing(parse.GetValue(runDir)!);
                string name = parse.Or(split, "valid");
                if (PianoRollRunConfig.Describes(folder.Config))
                {
                    var music = PianoRollRunConfig.Read(folder.Config);
                    var chorales = music.LoadCorpus();
                    var restored = PianoRollRun.Restore(music, chorales, folder);
                    var m = restored.Evaluate(name == "test" ? chorales.Test : chorales.Valid, name);
                    output.WriteLine(style.Bold(string.Create(CultureInfo.InvariantCulture, $"{name} {PianoRollRun.NllPerFrame} {m.MeanNll:F4}")) +
                        string.Create(CultureInfo.InvariantCulture,
                        $"  (nats per frame, summed over the 88 notes, over {m.ScoredTokens} frames; epoch {(double)m.Step / restored.BatchesPerEpoch:F2}, step {m.Step})"));
                    return ExitCodes.Success;
                }
                var config = RunConfig.Read(folder.Config);
                var corpus = config.LoadCorpus();
                var trainer = TrainingRun.Restore(config, corpus, folder);
                var e = trainer.Evaluate(name == "test" ? corpus.Test : corpus.Valid, name);
                string metric = MetricsLog.MetricName(corpus.Metric);
                output.WriteLine(style.Bold(string.Create(CultureInfo.InvariantCulture,
                    $"{name} {metric} {TrainingViews.Value(metric, e.Value(corpus.Metric))}")) +
                    string.Create(CultureInfo.InvariantCulture,
                    $"  (mean NLL {e.MeanNll:F4} nats over {e.ScoredTokens} scored tokens, accuracy {e.Accuracy:F4}; epoch {(double)e.Step / trainer.Batches.Windows:F2}, step {e.Step})"));
                return ExitCodes.Success;
            }));
            return command;
        }
    }
}
