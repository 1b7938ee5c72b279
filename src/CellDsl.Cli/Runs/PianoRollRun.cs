using System.Collections.Generic;
using CellDsl.Training.Bptt;
using CellDsl.Training.Checkpoints;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

namespace CellDsl.Cli.Runs
{
    /// <summary>
    /// Drives a <see cref="PianoRollTrainer"/> for the command line (the loop is <see cref="RunLoop"/>'s, as for the
    /// language model's runs). The metric is the NLL per frame in nats (the loss itself), "nll/frame" in
    /// metrics.jsonl, and the throughput counts frames.
    /// </summary>
    public sealed class PianoRollRun : RunLoop
    {
        public const string NllPerFrame = "nll/frame";

        private readonly PianoRollRunConfig _config;
        private readonly PianoRollCorpus _corpus;
        private readonly RunFolder _folder;

        private PianoRollRun(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder, PianoRollTrainer trainer, List<MetricsRow> rows)
            : base(folder, config.EvaluateEvery, rows)
        {
            _config = config;
            _corpus = corpus;
            _folder = folder;
            Trainer = trainer;
        }

        public PianoRollTrainer Trainer { get; }

        /// <summary>A new run: makes the folder and writes config.json. Throws ArgumentException for settings the engine refuses.</summary>
        public static PianoRollRun Start(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder)
        {
            var trainer = new PianoRollTrainer(new PianoRollModel(config.Model), corpus.Train, config.Trainer);
            return new PianoRollRun(config, corpus, folder, trainer, Begin(folder, config.Write));
        }

        /// <summary>Continues a run from its checkpoint, bit-identically; metrics rows after the checkpoint are dropped.</summary>
        public static PianoRollRun Resume(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder)
        {
            var trainer = Restore(config, corpus, folder);
            return new PianoRollRun(config, corpus, folder, trainer, Continue(folder, config.Write, trainer.Step));
        }

        /// <summary>A trainer in the state of the run's checkpoint.</summary>
        public static PianoRollTrainer Restore(PianoRollRunConfig config, PianoRollCorpus corpus, RunFolder folder)
        {
            RequireCheckpoint(folder);
            var trainer = new PianoRollTrainer(new PianoRollModel(config.Model), corpus.Train, config.Trainer);
            Checkpoint.Load(folder.Checkpoint, trainer);
            return trainer;
        }

        protected override string Metric => NllPerFrame;
        protected override int Epochs => _config.Trainer.Epochs;
        protected override int WindowsPerEpoch => Trainer.BatchesPerEpoch;
        protected override long Step => Trainer.Step;
        protected override bool Finished => Trainer.Finished;
        protected override TrainingProgress TrainNext() => Trainer.TrainBatch();
        protected override long Counted(in TrainingProgress progress) => progress.ScoredTokens;
        protected override double? FromLoss(double meanNll) => meanNll;

        protected override (double MeanNll, double? Value) Evaluate(string split)
        {
            double nll = Trainer.Evaluate(split == "test" ? _corpus.Test : _corpus.Valid, split).MeanNll;
            return (nll, nll);
        }

        protected override void SaveCheckpoint() => Checkpoint.Save(_folder.Checkpoint, Trainer);
    }
}
