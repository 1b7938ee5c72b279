using System;
using System.Text.Json.Serialization;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Optimizers
{
    /// <summary>
    /// What every trainer's optimization takes: how many epochs, the rate and its schedule, the clip, the optimizer
    /// and the seed of the trainer's own draws. The language-model and piano-roll trainers' options derive from it
    /// and set their own defaults; their JSON (config.json, checkpoints) stays one flat object.
    /// </summary>
    public abstract record OptimizationOptions
    {
        public int Epochs { get; init; }

        /// <summary>The rate of the loss the model defines (see each trainer's model).</summary>
        public float LearningRate { get; init; }

        /// <summary>Epochs at the initial rate before it decays.</summary>
        public int ConstantEpochs { get; init; }

        /// <summary>The rate is divided by this at each later epoch (1: constant).</summary>
        public float Decay { get; init; } = 1f;

        /// <summary>Global-norm clip of the same loss's gradient; 0: none.</summary>
        public float ClipNorm { get; init; } = 5f;

        /// <summary>"sgd" or "adam" (β₁ 0.9, β₂ 0.999, ε 1e-8; its rate is the same LearningRate and schedule).</summary>
        public string Optimizer { get; init; } = "sgd";

        /// <summary>Seed of the trainer's draws: the dropout masks (and the piano-roll trainer's batch order). The
        /// parameter init has the model config's seed.</summary>
        public int Seed { get; init; } = 1;

        [JsonIgnore] public LearningRateSchedule Schedule => new(LearningRate, ConstantEpochs, Decay);

        /// <summary>A fresh optimizer of <see cref="Optimizer"/>'s kind over <paramref name="parameters"/>.</summary>
        public IOptimizer CreateOptimizer(ParameterSet parameters) => Optimizer == "adam" ? new Adam(parameters) : new Sgd(parameters);

        /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
        public virtual void Validate()
        {
            if (Epochs <= 0) throw new ArgumentException($"Epochs must be positive, got {Epochs}.");
            if (!(ClipNorm >= 0f)) throw new ArgumentException($"ClipNorm must be >= 0 (0: no clipping), got {ClipNorm}.");
            if (Optimizer is not ("sgd" or "adam")) throw new ArgumentException($"Optimizer must be \"sgd\" or \"adam\", got \"{Optimizer}\".");
            _ = Schedule;
        }
    }
}
