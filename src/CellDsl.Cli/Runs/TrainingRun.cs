using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using CellDsl.Training.Bptt;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

namespace CellDsl.Cli.Runs
{
    /// <summary>
    /// Drives the engine's <see cref="Trainer"/> for the command line: evaluates at each epoch's end (and every
    /// <see cref="RunConfig.EvaluateEvery"/> steps), and after each evaluation appends the metrics rows, writes the
    /// checkpoint (atomically, by the engine) and redraws the curves. The test split is evaluated once, at the end.
    /// </summary>
    public sealed class TrainingRun
    {
        private readonly RunConfig _config;
        private readonly Corpus _corpus;
        private readonly RunFolder _folder;
        private readonly List<MetricsRow> _rows;
        private readonly string _metric;

        private TrainingRun(RunConfig config, Corpus corpus, RunFolder folder, Trainer trainer, List<MetricsRow> rows)
        {
            _config = config;
            _corpus = corpus;
            _folder = folder;
            Trainer = trainer;
            _rows = rows;
            _metric = MetricsLog.MetricName(corpus.Metric);
        }

        public Trainer Trainer { get; }

        /// <summary>A new run: makes the folder and writes config.json. Throws ArgumentException for settings the engine refuses.</summary>
        public static TrainingRun Start(RunConfig config, Corpus corpus, RunFolder folder)
        {
            var trainer = new Trainer(new LanguageModel(config.Model, config.CellFactories()), corpus.Train, config.Trainer);
            CheckEvaluable(corpus, config.Trainer);
            Directory.CreateDirectory(folder.Path);
            config.Write(folder.Config);
            File.WriteAllText(folder.Metrics, "");
            return new TrainingRun(config, corpus, folder, trainer, new List<MetricsRow>());
        }

        /// <summary>Continues a run from its checkpoint, bit-identically; metrics rows after the checkpoint are dropped.</summary>
        public static TrainingRun Resume(RunConfig config, Corpus corpus, RunFolder folder)
        {
            var trainer = Restore(config, corpus, folder);
            config.Write(folder.Config);
            var rows = MetricsLog.TruncateAfter(folder.Metrics, trainer.Step);
            return new TrainingRun(config, corpus, folder, trainer, rows);
        }

        // Valid and test are read in evaluation windows too: find a split too short for one now, not after an epoch.
        private static void CheckEvaluable(Corpus corpus, TrainerOptions options)
        {
            int steps = options.EvaluationSteps > 0 ? options.EvaluationSteps : options.Steps;
            int batch = options.EvaluationBatch > 0 ? options.EvaluationBatch : options.Batch;
            _ = new WindowBatcher(corpus.Valid, steps, batch);
            _ = new WindowBatcher(corpus.Test, steps, batch);
        }

        /// <summary>A trainer in the state of the run's checkpoint (for eval and generate as for resuming).</summary>
        public static Trainer Restore(RunConfig config, Corpus corpus, RunFolder folder)
        {
            RequireCheckpoint(folder);
            var trainer = new Trainer(new LanguageModel(config.Model, config.CellFactories()), corpus.Train, config.Trainer);
            Checkpoint.Load(folder.Checkpoint, trainer);
            return trainer;
        }

        /// <summary>Trains to the last epoch. A NaN or ±∞ throws the engine's <see cref="TrainingDivergedException"/>
        /// before anything is written, so the checkpoint on disk is the last good one.</summary>
        public void Train(ITrainingReport report)
        {
            var trainer = Trainer;
            var options = _config.Trainer;
            long tokensPerStep = (long)options.Steps * options.Batch;
            double wallBefore = _rows.Count > 0 ? _rows[^1].WallSeconds : 0;
            var wall = Stopwatch.StartNew();
            var training = new Stopwatch();
            long stepsHere = 0, stepsSince = 0;
            double nll = 0, trainingSecondsSince = 0;
            long scored = 0;
            double? lastAccuracy = _rows.LastOrDefault(r => r.Split == "valid")?.Value;
            long totalSteps = (long)options.Epochs * trainer.Batches.Windows;

            while (!trainer.Finished)
            {
                double before = training.Elapsed.TotalSeconds;
                training.Start();
                var p = trainer.TrainWindow();
                training.Stop();
                trainingSecondsSince += training.Elapsed.TotalSeconds - before;
                stepsHere++;
                stepsSince++;
                nll += p.Loss * p.ScoredTokens;
                scored += p.ScoredTokens;

                double loss = scored > 0 ? nll / scored : double.NaN;
                double perStep = training.Elapsed.TotalSeconds / stepsHere;
                report.Step(new StepStatus(p.Epoch, options.Epochs, p.Window, p.WindowsPerEpoch, p.Step, loss, _metric,
                    _corpus.Metric == Metric.Accuracy ? lastAccuracy : MetricsLog.FromLoss(_corpus.Metric, loss),
                    p.LearningRate, stepsSince * tokensPerStep / Math.Max(trainingSecondsSince, 1e-9),
                    TimeSpan.FromSeconds(perStep * (totalSteps - trainer.Step))));

                bool epochEnd = trainer.Window == 0;
                if (!epochEnd && !(_config.EvaluateEvery > 0 && trainer.Step % _config.EvaluateEvery == 0)) continue;

                double tokensPerSecond = stepsSince * tokensPerStep / Math.Max(trainingSecondsSince, 1e-9);
                var rows = new List<MetricsRow>
                {
                    Row("train", loss, MetricsLog.FromLoss(_corpus.Metric, loss), p.LearningRate, tokensPerSecond, wallBefore + wall.Elapsed.TotalSeconds),
                };
                rows.Add(Evaluate(_corpus.Valid, "valid", p.LearningRate, tokensPerSecond, wallBefore + wall.Elapsed.TotalSeconds));
                if (trainer.Finished)
                    rows.Add(Evaluate(_corpus.Test, "test", p.LearningRate, tokensPerSecond, wallBefore + wall.Elapsed.TotalSeconds));
                lastAccuracy = rows[1].Value;
                Record(rows);
                report.Evaluated(rows);
                stepsSince = 0;
                trainingSecondsSince = 0;
                nll = 0;
                scored = 0;
            }
        }

        private MetricsRow Evaluate(TokenStream stream, string split, float rate, double tokensPerSecond, double wallSeconds)
        {
            var e = Trainer.Evaluate(stream, split);
            return Row(split, e.MeanNll, e.Value(_corpus.Metric), rate, tokensPerSecond, wallSeconds);
        }

        private MetricsRow Row(string split, double loss, double? value, float rate, double tokensPerSecond, double wallSeconds)
            => new((double)Trainer.Step / Trainer.Batches.Windows, Trainer.Step, split, loss, _metric, value, rate, tokensPerSecond, wallSeconds);

        // The checkpoint first: if the process dies between the two, resuming drops the rows past the checkpoint
        // rather than keeping rows of steps it will train again.
        private void Record(List<MetricsRow> rows)
        {
            Checkpoint.Save(_folder.Checkpoint, Trainer);
            AppendRows(_folder, _rows, rows);
        }

        /// <summary>After the checkpoint: appends an evaluation's rows to metrics.jsonl and to the run's
        /// <paramref name="history"/>, and redraws the curves from it.</summary>
        internal static void AppendRows(RunFolder folder, List<MetricsRow> history, List<MetricsRow> rows)
        {
            MetricsLog.Append(folder.Metrics, rows);
            history.AddRange(rows);
            var runs = new[] { (folder.Name, (IReadOnlyList<MetricsRow>)history) };
            Curves.Save(folder.CurvesSvg, runs);
            Curves.Save(folder.CurvesPng, runs);
        }

        internal static void RequireCheckpoint(RunFolder folder)
        {
            if (!File.Exists(folder.Checkpoint))
                throw new RunFolderException(folder.Checkpoint, "missing: the run stopped before its first evaluation wrote a checkpoint. Train it again.");
        }
    }
}
