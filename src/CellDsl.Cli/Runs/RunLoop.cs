using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using CellDsl.Training.Bptt;

namespace CellDsl.Cli.Runs
{
    /// <summary>
    /// The command line's training loop, whichever model a run trains (<see cref="TrainingRun"/>: a language model
    /// over windows; <see cref="PianoRollRun"/>: chorales in batches): reports every step, evaluates valid at each
    /// epoch's end and every <c>evaluateEvery</c> steps of an epoch (counted from its start), test once at the end,
    /// and after each evaluation writes the checkpoint, then appends the metrics rows and redraws the curves.
    /// </summary>
    public abstract class RunLoop
    {
        private readonly RunFolder _folder;
        private readonly int _evaluateEvery;
        private readonly List<MetricsRow> _rows;

        protected RunLoop(RunFolder folder, int evaluateEvery, List<MetricsRow> rows)
        {
            _folder = folder;
            _evaluateEvery = evaluateEvery;
            _rows = rows;
        }

        /// <summary>The metric's name in metrics.jsonl ("perplexity", "nll/frame", ...).</summary>
        protected abstract string Metric { get; }

        protected abstract int Epochs { get; }
        protected abstract int WindowsPerEpoch { get; }
        protected abstract long Step { get; }
        protected abstract bool Finished { get; }

        /// <summary>Trains the next window or batch; a NaN or ±∞ throws <see cref="TrainingDivergedException"/>.</summary>
        protected abstract TrainingProgress TrainNext();

        /// <summary>What the throughput counts of a step: tokens read (T·B) or frames scored.</summary>
        protected abstract long Counted(in TrainingProgress progress);

        /// <summary>The metric of a mean NLL (perplexity, bits per character, the NLL itself; none for accuracy).</summary>
        protected abstract double? FromLoss(double meanNll);

        /// <summary>What the display shows beside the loss while training; by default the metric of the loss so far.</summary>
        protected virtual double? Shown(double meanNll, double? lastValid) => FromLoss(meanNll);

        /// <summary>Evaluates the valid or test split: its mean NLL and its metric.</summary>
        protected abstract (double MeanNll, double? Value) Evaluate(string split);

        protected abstract void SaveCheckpoint();

        /// <summary>Trains to the last epoch. A NaN or ±∞ throws the engine's <see cref="TrainingDivergedException"/>
        /// before anything is written, so the checkpoint on disk is the last good one.</summary>
        public void Train(ITrainingReport report)
        {
            double wallBefore = _rows.Count > 0 ? _rows[^1].WallSeconds : 0;
            var wall = Stopwatch.StartNew();
            var training = new Stopwatch();
            long stepsHere = 0, countedSince = 0, scored = 0;
            double nll = 0, trainingSecondsSince = 0;
            double? lastValid = _rows.LastOrDefault(r => r.Split == "valid")?.Value;
            long totalSteps = (long)Epochs * WindowsPerEpoch;

            while (!Finished)
            {
                double before = training.Elapsed.TotalSeconds;
                training.Start();
                var p = TrainNext();
                training.Stop();
                trainingSecondsSince += training.Elapsed.TotalSeconds - before;
                stepsHere++;
                countedSince += Counted(p);
                nll += p.Loss * p.ScoredTokens;
                scored += p.ScoredTokens;

                double loss = scored > 0 ? nll / scored : double.NaN;
                double perSecond = countedSince / Math.Max(trainingSecondsSince, 1e-9);
                double perStep = training.Elapsed.TotalSeconds / stepsHere;
                report.Step(new StepStatus(p.Epoch, Epochs, p.Window, p.WindowsPerEpoch, p.Step, loss, Metric, Shown(loss, lastValid),
                    p.LearningRate, perSecond, TimeSpan.FromSeconds(perStep * (totalSteps - Step))));

                // Counted within the epoch, so the evaluations fall at the same places in every epoch, and none comes a
                // few steps after an epoch's end with a training loss over those few steps alone.
                bool epochEnd = p.Window + 1 == p.WindowsPerEpoch;
                if (!epochEnd && !(_evaluateEvery > 0 && (p.Window + 1) % _evaluateEvery == 0)) continue;

                double seconds = wallBefore + wall.Elapsed.TotalSeconds;
                var rows = new List<MetricsRow> { Row("train", loss, FromLoss(loss), p.LearningRate, perSecond, seconds) };
                foreach (string split in Finished ? new[] { "valid", "test" } : new[] { "valid" })
                {
                    var (meanNll, value) = Evaluate(split);
                    rows.Add(Row(split, meanNll, value, p.LearningRate, perSecond, seconds));
                }
                lastValid = rows[1].Value;
                // The checkpoint first: if the process dies between the two, resuming drops the rows past the
                // checkpoint rather than keeping rows of steps it will train again.
                SaveCheckpoint();
                AppendRows(rows);
                report.Evaluated(rows);
                countedSince = 0;
                trainingSecondsSince = 0;
                nll = 0;
                scored = 0;
            }
        }

        private MetricsRow Row(string split, double loss, double? value, float rate, double perSecond, double wallSeconds)
            => new((double)Step / WindowsPerEpoch, Step, split, loss, Metric, value, rate, perSecond, wallSeconds);

        /// <summary>Appends an evaluation's rows to metrics.jsonl and to the run's history, and redraws the curves from it.</summary>
        private void AppendRows(List<MetricsRow> rows)
        {
            MetricsLog.Append(_folder.Metrics, rows);
            _rows.AddRange(rows);
            var runs = new[] { (_folder.Name, (IReadOnlyList<MetricsRow>)_rows) };
            Curves.Save(_folder.CurvesSvg, runs);
            Curves.Save(_folder.CurvesPng, runs);
        }

        /// <summary>A new run's folder: made, with its config written and an empty metrics file; no rows yet.</summary>
        protected static List<MetricsRow> Begin(RunFolder folder, Action<string> writeConfig)
        {
            Directory.CreateDirectory(folder.Path);
            writeConfig(folder.Config);
            File.WriteAllText(folder.Metrics, "");
            return new List<MetricsRow>();
        }

        /// <summary>A resumed run's rows: its config written again (the epochs may have grown) and the metrics rows
        /// past the checkpoint's step dropped.</summary>
        protected static List<MetricsRow> Continue(RunFolder folder, Action<string> writeConfig, long checkpointStep)
        {
            writeConfig(folder.Config);
            return MetricsLog.TruncateAfter(folder.Metrics, checkpointStep);
        }

        internal static void RequireCheckpoint(RunFolder folder)
        {
            if (!File.Exists(folder.Checkpoint))
                throw new RunFolderException(folder.Checkpoint, "missing: the run stopped before its first evaluation wrote a checkpoint. Train it again.");
        }
    }
}
