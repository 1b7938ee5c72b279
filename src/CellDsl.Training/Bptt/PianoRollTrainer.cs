using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Training.Data;
using CellDsl.Training.Models;
using CellDsl.Training.Optimizers;

namespace CellDsl.Training.Bptt
{
    /// <summary>How a <see cref="PianoRollTrainer"/> runs: Adam at 0.001 by default. The rate is that of the batch's
    /// mean NLL per frame (see <see cref="PianoRollModel"/>).</summary>
    public sealed record PianoRollTrainerOptions : OptimizationOptions
    {
        public PianoRollTrainerOptions()
        {
            Epochs = 50;
            LearningRate = 0.001f;
            ConstantEpochs = 1;
            Optimizer = "adam";
        }

        /// <summary>Sequences per batch.</summary>
        public int Batch { get; init; } = 8;

        public override void Validate()
        {
            if (Batch <= 0) throw new ArgumentException($"Batch must be positive, got {Batch}.");
            base.Validate();
        }
    }

    /// <summary>
    /// Trains a <see cref="PianoRollModel"/> on whole sequences (no truncation: each chorale is one sequence, its
    /// states starting from zero). The sequences are sorted by length and cut into batches of B, so a batch holds
    /// sequences of similar length and little padding; each epoch visits the batches in an order drawn from the seed
    /// and the epoch alone (so a checkpoint's position fixes it). A batch runs in a workspace of T = its longest
    /// sequence rounded up to <see cref="StepGranularity"/>, one made per such T at first use and kept. A step clips
    /// ‖∇L‖₂ and takes one optimizer step; with the same configs and seeds a run is bit-identical on one machine and
    /// thread count.
    /// </summary>
    public sealed class PianoRollTrainer
    {
        /// <summary>Workspaces come in multiples of this many steps.</summary>
        public const int StepGranularity = 16;

        private readonly int[][] _batches;
        private readonly int[] _order;
        private readonly Dictionary<int, PianoRollWorkspace> _workspaces = new();
        private readonly Dictionary<PianoRollSplit, int[][]> _evaluationBatches = new();
        private readonly List<Evaluation> _history = new();
        private readonly ClippedUpdate _update;
        private readonly CellRandom _shuffle = new(0);
        private int _orderEpoch = -1;

        public PianoRollTrainer(PianoRollModel model, PianoRollSplit train, PianoRollTrainerOptions options)
        {
            Model = model ?? throw new ArgumentNullException(nameof(model));
            Train = train ?? throw new ArgumentNullException(nameof(train));
            Options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            _batches = Batches(train, options.Batch);
            _order = new int[_batches.Length];
            foreach (var b in _batches) Workspace(train, b);   // every training shape now, none during training
            Schedule = options.Schedule;
            Optimizer = options.CreateOptimizer(model.Parameters);
            _update = new ClippedUpdate(model.Parameters, Optimizer, options.ClipNorm);
            Random = new CellRandom(options.Seed);
        }

        public PianoRollModel Model { get; }
        public PianoRollSplit Train { get; }
        public PianoRollTrainerOptions Options { get; }
        public LearningRateSchedule Schedule { get; }
        public IOptimizer Optimizer { get; }

        /// <summary>Draws the dropout masks; its state is part of a checkpoint.</summary>
        public CellRandom Random { get; }

        public int BatchesPerEpoch => _batches.Length;

        /// <summary>The next batch to train: epoch (0-based), batch within it, and steps taken.</summary>
        public int Epoch { get; internal set; }
        public int Window { get; internal set; }
        public long Step { get; internal set; }

        public bool Finished => Epoch >= Options.Epochs;

        /// <summary>Every evaluation so far, oldest first.</summary>
        public IReadOnlyList<Evaluation> History => _history;

        /// <summary>Trains one batch; throws <see cref="TrainingDivergedException"/> (before updating) on a NaN or ±∞.
        /// Progress.Loss is the batch's mean NLL per frame and ScoredTokens its frames.</summary>
        public TrainingProgress TrainBatch()
        {
            if (Finished) throw new InvalidOperationException($"Training has run all {Options.Epochs} epochs.");
            if (_orderEpoch != Epoch) Shuffle(Epoch);
            var sequences = _batches[_order[Window]];
            var ws = Workspace(Train, sequences);
            int frames = ws.Fill(Train, sequences);
            _update.ClearGradients();
            double total = Model.Forward(ws, Random);
            if (!double.IsFinite(total)) throw new TrainingDivergedException(Epoch, Window, Step, "loss", total);
            Model.Backward(ws, 1f / frames);
            float rate = Schedule.Rate(Epoch);
            double norm = _update.Apply(rate, Epoch, Window, Step);
            var progress = new TrainingProgress(Epoch, Window, _batches.Length, Step, total / frames, norm, rate, frames);
            Step++;
            if (++Window == _batches.Length) { Window = 0; Epoch++; }
            return progress;
        }

        /// <summary>Trains the rest of the current epoch.</summary>
        public void TrainEpoch()
        {
            int epoch = Epoch;
            while (Epoch == epoch && !Finished) TrainBatch();
        }

        /// <summary>Σ NLL over every frame of <paramref name="split"/> (no dropout) and the frame count, recorded in
        /// <see cref="History"/>: MeanNll is the NLL per frame, in nats summed over the notes. Training's position is
        /// not touched.</summary>
        public Evaluation Evaluate(PianoRollSplit split, string name)
        {
            ArgumentNullException.ThrowIfNull(split);
            if (!_evaluationBatches.TryGetValue(split, out var batches))
                _evaluationBatches[split] = batches = Batches(split, Options.Batch);
            double total = 0;
            long frames = 0;
            foreach (var sequences in batches)
            {
                var ws = Workspace(split, sequences);
                frames += ws.Fill(split, sequences);
                total += Model.Forward(ws, null);
            }
            var result = new Evaluation(name, Epoch, Step, total, frames, 0);
            _history.Add(result);
            return result;
        }

        internal void RestoreHistory(IEnumerable<Evaluation> history)
        {
            _history.Clear();
            _history.AddRange(history);
        }

        /// <summary>The split's sequences by length (ties by index), cut into batches of up to B.</summary>
        private static int[][] Batches(PianoRollSplit split, int batch)
        {
            var sorted = Enumerable.Range(0, split.Count).OrderBy(split.Length).ThenBy(i => i).ToArray();
            return sorted.Chunk(batch).ToArray();
        }

        private PianoRollWorkspace Workspace(PianoRollSplit split, int[] sequences)
        {
            int longest = 0;   // a loop, not LINQ's Max: this runs every step, which allocates nothing
            foreach (int i in sequences) longest = Math.Max(longest, split.Length(i));
            int steps = (longest + StepGranularity - 1) / StepGranularity * StepGranularity;
            if (!_workspaces.TryGetValue(steps, out var ws)) _workspaces[steps] = ws = Model.CreateWorkspace(steps, Options.Batch);
            return ws;
        }

        // Fisher-Yates from a generator seeded by (seed, epoch) only, so a resumed run recomputes the same order.
        private void Shuffle(int epoch)
        {
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            _shuffle.State = unchecked((ulong)(Options.Seed * 1_000_003L + epoch + 1));   // as new CellRandom(that seed)
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = (int)(_shuffle.NextDouble() * (i + 1));
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
            _orderEpoch = epoch;
        }
    }
}
