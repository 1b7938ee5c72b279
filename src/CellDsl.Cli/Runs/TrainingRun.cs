using System.Collections.Generic;
using CellDsl.Training.Bptt;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

namespace CellDsl.Cli.Runs
{
    /// <summary>
    /// Drives the engine's <see cref="Trainer"/> for the command line (the loop is <see cref="RunLoop"/>'s): the
    /// corpus's metric (perplexity, bits per character or accuracy) from windows of T·B tokens.
    /// </summary>
    public sealed class TrainingRun : RunLoop
    {
        private readonly RunConfig _config;
        private readonly Corpus _corpus;
        private readonly RunFolder _folder;

        private TrainingRun(RunConfig config, Corpus corpus, RunFolder folder, Trainer trainer, List<MetricsRow> rows)
            : base(folder, config.EvaluateEvery, rows)
        {
            _config = config;
            _corpus = corpus;
            _folder = folder;
            Trainer = trainer;
            Metric = MetricsLog.MetricName(corpus.Metric);
        }

        public Trainer Trainer { get; }

        /// <summary>A new run: makes the folder and writes config.json. Throws ArgumentException for settings the engine refuses.</summary>
        public static TrainingRun Start(RunConfig config, Corpus corpus, RunFolder folder)
        {
            var trainer = new Trainer(new LanguageModel(config.Model, config.CellFactories()), corpus.Train, config.Trainer);
            CheckEvaluable(corpus, config.Trainer);
            return new TrainingRun(config, corpus, folder, trainer, Begin(folder, config.Write));
        }

        /// <summary>Continues a run from its checkpoint, bit-identically; metrics rows after the checkpoint are dropped.</summary>
        public static TrainingRun Resume(RunConfig config, Corpus corpus, RunFolder folder)
        {
            var trainer = Restore(config, corpus, folder);
            return new TrainingRun(config, corpus, folder, trainer, Continue(folder, config.Write, trainer.Step));
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

        protected override string Metric { get; }
        protected override int Epochs => _config.Trainer.Epochs;
        protected override int WindowsPerEpoch => Trainer.Batches.Windows;
        protected override long Step => Trainer.Step;
        protected override bool Finished => Trainer.Finished;
        protected override TrainingProgress TrainNext() => Trainer.TrainWindow();
        protected override long Counted(in TrainingProgress progress) => (long)_config.Trainer.Steps * _config.Trainer.Batch;
        protected override double? FromLoss(double meanNll) => MetricsLog.FromLoss(_corpus.Metric, meanNll);

        // Accuracy needs an evaluation: the display keeps the last one's until the next.
        protected override double? Shown(double meanNll, double? lastValid) => _corpus.Metric == Training.Data.Metric.Accuracy ? lastValid : FromLoss(meanNll);

        protected override (double MeanNll, double? Value) Evaluate(string split)
        {
            var e = Trainer.Evaluate(split == "test" ? _corpus.Test : _corpus.Valid, split);
            return (e.MeanNll, e.Value(_corpus.Metric));
        }

        protected override void SaveCheckpoint() => Checkpoint.Save(_folder.Checkpoint, Trainer);
    }
}
