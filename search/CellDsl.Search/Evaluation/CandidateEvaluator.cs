using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Candidates;
using CellDsl.Search.Store;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

namespace CellDsl.Search.Evaluation
{
    /// <summary>
    /// Runs one evaluation job: a compiled candidate trained as a character (or word) language model on one task with
    /// one hyperparameter setting, through CellDsl.Training, scored by its best next-step validation accuracy with
    /// teacher forcing (only the answer symbols of Arith and the memorization task count). The hidden size matches the
    /// candidate's parameter count to the GRU's at the task's budget. Whatever the candidate does (not compile, refuse
    /// its sizes, diverge, overrun the budget, throw) comes back as a <see cref="JobResult"/> with a Failure; the
    /// evaluator itself throws only for the caller's mistakes (a task the settings lack, a malformed setting).
    /// </summary>
    public sealed class CandidateEvaluator
    {
        private readonly Dictionary<string, Corpus> _corpora = new(StringComparer.OrdinalIgnoreCase);
        private readonly CellGraph _gru = Baselines.Gru;

        public CandidateEvaluator(EvaluationSettings settings)
        {
            Settings = settings ?? throw new ArgumentNullException(nameof(settings));
            settings.Validate();
        }

        public EvaluationSettings Settings { get; }

        /// <summary>The task's data, generated from <see cref="EvaluationSettings.DataSeed"/> once (or PTB read once).</summary>
        public Corpus Corpus(string task)
        {
            var budget = Settings.Budget(task);
            if (_corpora.TryGetValue(budget.Task, out var c)) return c;
            c = budget.Task.Equals("ptb", StringComparison.OrdinalIgnoreCase)
                ? Corpora.Load("ptb", Settings.PtbPath)
                : Corpora.Load(budget.Task, seed: Settings.DataSeed, sizes: budget.Sizes);
            _corpora[budget.Task] = c;
            return c;
        }

        /// <summary>The hidden size a cell gets on a task with a number of layers.</summary>
        public int HiddenSize(CellGraph cell, string task, int layers)
            => ParameterMatching.Matched(cell, _gru, Settings.Budget(task).GruHidden, layers, Corpus(task).Vocabulary.Count);

        /// <summary>The job as the store hands it out.</summary>
        public JobResult Evaluate(CompiledCandidate candidate, Job job, CancellationToken cancel = default)
        {
            ArgumentNullException.ThrowIfNull(job);
            return Evaluate(candidate, job.Task, Hyperparameters.FromJson(job.Hyperparameters), job.Seed, cancel);
        }

        /// <summary>Trains and scores; <paramref name="cancel"/> is checked every window and ends the run with an
        /// <see cref="OperationCanceledException"/> (a worker stopped or a lease lost: no result to record).</summary>
        public JobResult Evaluate(CompiledCandidate candidate, string task, Hyperparameters setting, long seed, CancellationToken cancel = default)
        {
            ArgumentNullException.ThrowIfNull(candidate);
            ArgumentNullException.ThrowIfNull(setting);
            var budget = Settings.Budget(task);
            if (!candidate.Compiled) return Failed(candidate, candidate.Failure ?? "did not compile", 0, new { });
            var corpus = Corpus(task);
            int hidden = HiddenSize(candidate.Graph, task, setting.Layers);
            long parameters = ParameterMatching.ModelParameters(candidate.Graph, setting.Layers, corpus.Vocabulary.Count, hidden);
            var clock = Stopwatch.StartNew();
            var history = new List<object>();
            long steps = 0;
            object Details(string? stopped = null) => new { hidden, parameters, layers = setting.Layers, steps, stopped, windowsPerSecond = steps / Math.Max(1e-9, clock.Elapsed.TotalSeconds), history };
            try
            {
                var config = new LanguageModelConfig
                {
                    VocabularySize = corpus.Vocabulary.Count,
                    HiddenSize = hidden,
                    Cells = Enumerable.Repeat(candidate.Label, setting.Layers).ToArray(),
                    InitScale = setting.InitScale / MathF.Sqrt(hidden),
                    Seed = unchecked((int)seed),
                };
                var factories = Enumerable.Repeat<Func<int, int, int, IRecurrentCell>>(candidate.Create, setting.Layers).ToArray();
                var model = new LanguageModel(config, factories);
                var trainer = new Trainer(model, corpus.Train, new TrainerOptions
                {
                    Steps = budget.UnrollSteps,
                    Batch = budget.Batch,
                    Epochs = int.MaxValue,
                    LearningRate = setting.LearningRate,
                    ConstantEpochs = int.MaxValue,
                    Decay = 1f,
                    ClipNorm = setting.ClipNorm,
                    Seed = unchecked((int)(seed >> 32) ^ (int)seed),
                });
                bool filter = budget == Settings.Memorization;
                double best = 0;
                while (steps < budget.Steps)
                {
                    if (clock.Elapsed.TotalSeconds > budget.Seconds)
                        return Failed(candidate, $"overran its budget: {steps} of {budget.Steps} windows in {budget.Seconds:0.#} s", clock.Elapsed.TotalSeconds, Details("time"));
                    cancel.ThrowIfCancellationRequested();
                    trainer.TrainWindow();
                    steps++;
                    if (steps % budget.EvaluateEvery == 0 || steps == budget.Steps)
                    {
                        double accuracy = trainer.Evaluate(corpus.Valid, "valid").Accuracy;
                        history.Add(new { step = steps, accuracy });
                        if (accuracy > best) best = accuracy;
                        if (filter && best >= Settings.FilterThreshold) break;   // passed: the rest would not change the verdict
                    }
                }
                return new JobResult(best, null, candidate.CompileSeconds, clock.Elapsed.TotalSeconds, Json(Details(steps < budget.Steps ? "passed" : null)));
            }
            catch (TrainingDivergedException e)
            {
                return Failed(candidate, "diverged: " + e.Message, clock.Elapsed.TotalSeconds, Details("diverged"));
            }
            catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
            {
                // A candidate's cell may refuse its sizes (I == H), or its generated code may throw: the candidate's
                // failure, recorded with the reason, never the search's.
                return Failed(candidate, $"{e.GetType().Name}: {e.Message}", clock.Elapsed.TotalSeconds, Details("error"));
            }
        }

        private static JobResult Failed(CompiledCandidate c, string why, double seconds, object details)
            => new JobResult(null, why, c.CompileSeconds, seconds, Json(details));

        private static string Json(object o) => JsonSerializer.Serialize(o);
    }
}
