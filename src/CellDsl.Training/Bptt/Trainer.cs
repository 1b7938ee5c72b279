using System;
using System.Collections.Generic;
using CellDsl.Training.Data;
using CellDsl.Training.Models;
using CellDsl.Training.Optimizers;

namespace CellDsl.Training.Bptt
{
    /// <summary>
    /// Truncated BPTT over one training stream (Zaremba et al. 2014): each step reads the next window of T steps
    /// over B streams, starts from the states the previous window ended in (detached: no gradient crosses the
    /// boundary; zero at each epoch's start), computes L = (1/B)·Σ_t Σ_b w·nll, clips ‖∇L‖₂ and takes one optimizer
    /// step at the epoch's scheduled rate. Buffers are made at construction; a step allocates nothing. With the same
    /// configs and seeds a run is bit-identical on one machine and thread count.
    /// </summary>
    public sealed class Trainer
    {
        private readonly List<Evaluation> _history = new();
        private readonly ClippedUpdate _update;
        private LanguageModelWorkspace? _evaluation;

        public Trainer(LanguageModel model, TokenStream train, TrainerOptions options)
        {
            Model = model ?? throw new ArgumentNullException(nameof(model));
            ArgumentNullException.ThrowIfNull(train);
            Options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            if (train.Vocabulary.Count != model.VocabularySize)
                throw new ArgumentException($"{train.Source}: its vocabulary has {train.Vocabulary.Count} tokens, the model's {model.VocabularySize}.", nameof(train));
            Batches = new WindowBatcher(train, options.Steps, options.Batch);
            Schedule = options.Schedule;
            Workspace = model.CreateWorkspace(options.Steps, options.Batch);
            Optimizer = options.CreateOptimizer(model.Parameters);
            _update = new ClippedUpdate(model.Parameters, Optimizer, options.ClipNorm);
            Random = new CellRandom(options.Seed);
        }

        public LanguageModel Model { get; }
        public TrainerOptions Options { get; }
        public WindowBatcher Batches { get; }
        public LearningRateSchedule Schedule { get; }
        public IOptimizer Optimizer { get; }

        /// <summary>The training windows' activations and carried states.</summary>
        public LanguageModelWorkspace Workspace { get; }

        /// <summary>Draws the dropout masks; its state is part of a checkpoint.</summary>
        public CellRandom Random { get; }

        /// <summary>The next window to train: epoch (0-based), window within it, and steps taken.</summary>
        public int Epoch { get; internal set; }
        public int Window { get; internal set; }
        public long Step { get; internal set; }

        public bool Finished => Epoch >= Options.Epochs;

        /// <summary>Every evaluation so far, oldest first.</summary>
        public IReadOnlyList<Evaluation> History => _history;

        /// <summary>Raised after every training step.</summary>
        public event Action<TrainingProgress>? Progress;

        /// <summary>Trains one window; throws <see cref="TrainingDivergedException"/> (before updating) on a NaN or ±∞.</summary>
        public TrainingProgress TrainWindow()
        {
            if (Finished) throw new InvalidOperationException($"Training has run all {Options.Epochs} epochs.");
            var ws = Workspace;
            if (Window == 0) ws.ResetState();
            Batches.Fill(Window, ws.Inputs, ws.Targets, ws.Weights);
            _update.ClearGradients();
            double total = Model.Forward(ws, Random);
            long scored = 0;
            foreach (float w in ws.Weights) scored += w != 0f ? 1 : 0;
            if (!double.IsFinite(total)) throw new TrainingDivergedException(Epoch, Window, Step, "loss", total);
            Model.Backward(ws, 1f / ws.Batch);
            float rate = Schedule.Rate(Epoch);
            double norm = _update.Apply(rate, Epoch, Window, Step);
            var progress = new TrainingProgress(Epoch, Window, Batches.Windows, Step, scored > 0 ? total / scored : 0, norm, rate, scored);
            Step++;
            if (++Window == Batches.Windows) { Window = 0; Epoch++; }
            Progress?.Invoke(progress);
            return progress;
        }

        /// <summary>Trains up to <paramref name="windows"/> windows, stopping early when every epoch is done; returns how many ran.</summary>
        public int Train(int windows)
        {
            int done = 0;
            while (done < windows && !Finished) { TrainWindow(); done++; }
            return done;
        }

        /// <summary>Trains the rest of the current epoch.</summary>
        public void TrainEpoch()
        {
            int epoch = Epoch;
            while (Epoch == epoch && !Finished) TrainWindow();
        }

        /// <summary>Evaluates a whole split in windows of the evaluation shape (<see cref="TrainerOptions.EvaluationSteps"/>,
        /// <see cref="TrainerOptions.EvaluationBatch"/>), states carried from zero, no dropout, and records it in
        /// <see cref="History"/>. The training position and states are not touched.</summary>
        public Evaluation Evaluate(TokenStream stream, string split)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (stream.Vocabulary.Count != Model.VocabularySize)
                throw new ArgumentException($"{stream.Source}: its vocabulary has {stream.Vocabulary.Count} tokens, the model's {Model.VocabularySize}.", nameof(stream));
            int steps = Options.EvaluationSteps > 0 ? Options.EvaluationSteps : Options.Steps;
            int batch = Options.EvaluationBatch > 0 ? Options.EvaluationBatch : Options.Batch;
            var batches = new WindowBatcher(stream, steps, batch);
            var ws = _evaluation ??= Model.CreateWorkspace(steps, batch);
            ws.ResetState();
            double total = 0;
            long scored = 0, correct = 0;
            for (int w = 0; w < batches.Windows; w++)
            {
                batches.Fill(w, ws.Inputs, ws.Targets, ws.Weights);
                total += Model.Forward(ws, null);
                for (int n = 0; n < ws.Weights.Length; n++)
                    if (ws.Weights[n] != 0f) { scored++; if (ws.Correct[n]) correct++; }
            }
            var result = new Evaluation(split, Epoch, Step, total, scored, correct);
            _history.Add(result);
            return result;
        }

        internal void RestoreHistory(IEnumerable<Evaluation> history)
        {
            _history.Clear();
            _history.AddRange(history);
        }
    }
}
