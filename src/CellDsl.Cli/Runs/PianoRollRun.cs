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
    /// Drives a <see cref="PianoRollTrainer"/> for the command line as <see cref="TrainingRun"/> drives the language
    /// model's: evaluates valid at each epoch's end (and every <see cref="PianoRollRunConfig.EvaluateEvery"/> steps),
    /// test once at the end, and after each evaluation writes the checkpoint, appends the metrics rows and redraws the
    /// curves. The metric is the NLL per frame in nats (the loss itself), "nll/frame" in metrics.jsonl.
    /// </summary>
    public sealed class PianoRollRun
    {
        public const string Metric = "nll/frame";

        private readonly PianoRollRunConfig _config;
        private readonly PianoRollCorpus _corpus;
        private readonly RunFolder _folder;
        private readonly List<MetricsRow> _rows;

        private PianoRollRun(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder, PianoRollTrainer trainer, List<MetricsRow> rows)
        {
            _config = config;
            _corpus = corpus;
            _folder = folder;
            Trainer = trainer;
            _rows = rows;
        }

        public PianoRollTrainer Trainer { get; }

        /// <summary>A new run: makes the folder and writes config.json. Throws ArgumentException for settings the engine refuses.</summary>
        public static PianoRollRun Start(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder)
        {
            var trainer = new PianoRollTrainer(new PianoRollModel(config.Model), corpus.Train, config.Trainer);
            Directory.CreateDirectory(folder.Path);
            config.Write(folder.Config);
            File.WriteAllText(folder.Metrics, "");
            return new PianoRollRun(config, corpus, folder, trainer, new List<MetricsRow>());
        }

        /// <summary>Continues a run from its checkpoint, bit-identically; metrics rows after the checkpoint are dropped.</summary>
        public static PianoRollRun Resume(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder)
        {
            var trainer = Restore(config, corpus, folder);
            config.Write(folder.Config);
            var rows = MetricsLog.TruncateAfter(folder.Metrics, trainer.Step);
            return new PianoRollRun(config, corpus, folder, trainer, rows);
        }

        /// <summary>A trainer in the state of the run's checkpoint.</summary>
        public static PianoRollTrainer Restore(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder)
        {
            TrainingRun.RequireCheckpoint(folder);
            var trainer = new PianoRollTrainer(new PianoRollModel(config.Model), corpus.Train, config.Trainer);
            Checkpoint.Load(folder.Checkpoint, trainer);
            return trainer;
        }

        /// <summary>Trains to the last epoch; a NaN or ±∞ throws <see cref="TrainingDivergedException"/> before anything is written.</summary>
        public void Train(ITrainingReport report)
        {
            var trainer = Trainer;
            var options = _config.Trainer;
            double wallBefore = _rows.Count > 0 ? _rows[^1].WallSeconds : 0;
            var wall = Stopwatch.StartNew();
            var training = new Stopwatch();
            long stepsHere = 0, framesSince = 0;
            double nll = 0, trainingSecondsSince = 0;
            long totalSteps = (long)options.Epochs * trainer.BatchesPerEpoch;

            while (!trainer.Finished)
            {
                double before = training.Elapsed.TotalSeconds;
                training.Start();
                var p = trainer.TrainBatch();
                training.Stop();
                trainingSecondsSince += training.Elapsed.TotalSeconds - before;
                stepsHere++;
                nll += p.Loss * p.ScoredTokens;
                framesSince += p.ScoredTokens;

                double loss = nll / framesSince;
                double framesPerSecond = framesSince / Math.Max(trainingSecondsSince, 1e-9);
                double perStep = training.Elapsed.TotalSeconds / stepsHere;
                report.Step(new StepStatus(p.Epoch, options.Epochs, p.Window, p.WindowsPerEpoch, p.Step, loss, Metric, loss,
                    p.LearningRate, framesPerSecond, TimeSpan.FromSeconds(perStep * (totalSteps - trainer.Step))));

                bool epochEnd = trainer.Window == 0;
                if (!epochEnd && !(_config.EvaluateEvery > 0 && trainer.Step % _config.EvaluateEvery == 0)) continue;

                double seconds = wallBefore + wall.Elapsed.TotalSeconds;
                var rows = new List<MetricsRow>
                {
                    Row("train", loss, p.LearningRate, framesPerSecond, seconds),
                    Evaluate(_corpus.Valid, "valid", p.LearningRate, framesPerSecond, seconds),
                };
                if (trainer.Finished) rows.Add(Evaluate(_corpus.Test, "test", p.LearningRate, framesPerSecond, seconds));
                Record(rows);
                report.Evaluated(rows);
                framesSince = 0;
                trainingSecondsSince = 0;
                nll = 0;
            }
        }

        private MetricsRow Evaluate(PianoRollSplit split, string name, float rate, double framesPerSecond, double wallSeconds)
            => Row(name, Trainer.Evaluate(split, name).MeanNll, rate, framesPerSecond, wallSeconds);

        private MetricsRow Row(string split, double loss, float rate, double framesPerSecond, double wallSeconds)
            => new((double)Trainer.Step / Trainer.BatchesPerEpoch, Trainer.Step, split, loss, Metric, loss, rate, framesPerSecond, wallSeconds);

        // The checkpoint first, as TrainingRun does: a resumed run drops rows past the checkpoint.
        private void Record(List<MetricsRow> rows)
        {
            Checkpoint.Save(_folder.Checkpoint, Trainer);
            TrainingRun.AppendRows(_folder, _rows, rows);
        }
    }
}
