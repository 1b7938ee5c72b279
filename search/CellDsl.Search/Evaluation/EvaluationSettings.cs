using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Training.Data.Tasks;

namespace CellDsl.Search.Evaluation
{
    /// <summary>
    /// How one task is run for one setting. Training stops after <see cref="Steps"/> windows; a run that has not got
    /// there after <see cref="Seconds"/> of wall time overran its budget and is a failure (the cell is too slow to be
    /// judged at this scale). The validation split is scored every <see cref="EvaluateEvery"/> windows and at the end;
    /// the run's score is its best validation accuracy.
    /// </summary>
    /// <param name="Task">arith, xml, memorization, or ptb.</param>
    /// <param name="GruHidden">The GRU's hidden size on this task: the parameter budget every cell is matched to.</param>
    /// <param name="Steps">Training windows.</param>
    /// <param name="Seconds">Wall-time cap of the run.</param>
    /// <param name="Sizes">Symbols of the generated train, valid and test streams (ignored for ptb).</param>
    /// <param name="UnrollSteps">T of truncated BPTT.</param>
    /// <param name="Batch">B, parallel streams.</param>
    /// <param name="EvaluateEvery">Windows between validation scores.</param>
    public sealed record TaskBudget(string Task, int Steps, double Seconds, TaskSizes Sizes, int GruHidden,
        int UnrollSteps = 20, int Batch = 20, int EvaluateEvery = 50)
    {
        public void Validate()
        {
            if (Steps <= 0) throw new ArgumentException($"The {Task} budget needs Steps > 0, got {Steps}.");
            if (!(Seconds > 0)) throw new ArgumentException($"The {Task} budget needs Seconds > 0, got {Seconds}.");
            if (GruHidden <= 0) throw new ArgumentException($"The {Task} budget needs GruHidden > 0, got {GruHidden}.");
            if (UnrollSteps <= 0 || Batch <= 0 || EvaluateEvery <= 0)
                throw new ArgumentException($"The {Task} budget needs UnrollSteps, Batch and EvaluateEvery > 0, got {UnrollSteps}, {Batch}, {EvaluateEvery}.");
        }
    }

    /// <summary>
    /// The evaluation protocol at this machine's scale. GRUs of 48 units (about 15K cell parameters; the paper's filter
    /// LSTM had about 25K), every other cell matched to the GRU's parameter count; windows of 20 steps × 20 streams.
    /// A Release build trains such a model at about 250–300 windows/s on one core here, so the defaults cost about
    /// 5 s per Arith or XML run (1,500 windows) and up to about 25 s for the filter (6,000 windows, stopped as soon as
    /// it passes); the paper gave a filter run about 180 s and trained each task run to convergence with its schedule.
    /// The learning rate is constant over a run (the paper halved it after 3 epochs without improvement; these runs are
    /// far shorter than 3 epochs of its data). Generated data: 100K training symbols for the filter, 40K for Arith and
    /// XML, 4K each for validation.
    /// </summary>
    public sealed record EvaluationSettings
    {
        public TaskBudget Memorization { get; init; } = new("memorization", 6_000, 60, new TaskSizes(100_000, 4_000, 4_000), 48, EvaluateEvery: 250);

        /// <summary>The tasks a candidate is scored on, in order (the paper: Arith, XML, PTB).</summary>
        public IReadOnlyList<TaskBudget> Tasks { get; init; } = new[]
        {
            new TaskBudget("arith", 1_500, 30, new TaskSizes(40_000, 4_000, 4_000), 48, EvaluateEvery: 250),
            new TaskBudget("xml", 1_500, 30, new TaskSizes(40_000, 4_000, 4_000), 48, EvaluateEvery: 250),
        };

        /// <summary>Mikolov's PTB folder, for a "ptb" task; null when the search has none.</summary>
        public string? PtbPath { get; init; }

        /// <summary>The filter's pass mark: next-step accuracy with teacher forcing (the paper: 95%).</summary>
        public double FilterThreshold { get; init; } = 0.95;

        /// <summary>A candidate whose best on a task is below this fraction of the GRU's is dropped (the paper: about 90%).</summary>
        public double DropFraction { get; init; } = 0.9;

        /// <summary>Settings per task for a candidate that passed the filter (the paper: 20).</summary>
        public int SettingsPerTask { get; init; } = 20;

        public HyperparameterGrid Grid { get; init; } = HyperparameterGrid.Paper;

        /// <summary>Seed of the tasks' generated data, the same for every candidate so that scores compare.</summary>
        public long DataSeed { get; init; } = 1;

        public TaskBudget Budget(string task)
            => string.Equals(task, Memorization.Task, StringComparison.OrdinalIgnoreCase) ? Memorization
               : Tasks.FirstOrDefault(t => string.Equals(t.Task, task, StringComparison.OrdinalIgnoreCase))
               ?? throw new ArgumentException($"There is no task '{task}' in these settings; they have {Memorization.Task}, {string.Join(", ", Tasks.Select(t => t.Task))}.", nameof(task));

        public void Validate()
        {
            Memorization.Validate();
            foreach (var t in Tasks) t.Validate();
            if (Tasks.Count == 0) throw new ArgumentException("The settings need at least one task to score candidates on.");
            if (!(FilterThreshold > 0 && FilterThreshold <= 1)) throw new ArgumentException($"FilterThreshold must be in (0, 1], got {FilterThreshold}.");
            if (!(DropFraction >= 0 && DropFraction <= 1)) throw new ArgumentException($"DropFraction must be in [0, 1], got {DropFraction}.");
            if (SettingsPerTask <= 0) throw new ArgumentException($"SettingsPerTask must be positive, got {SettingsPerTask}.");
            if (Tasks.Any(t => t.Task.Equals("ptb", StringComparison.OrdinalIgnoreCase)) && string.IsNullOrWhiteSpace(PtbPath))
                throw new ArgumentException("A ptb task needs PtbPath: the folder holding ptb.train.txt, ptb.valid.txt and ptb.test.txt.");
        }
    }
}
