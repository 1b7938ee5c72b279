using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace CellDsl.Search.Evaluation
{
    /// <summary>
    /// One hyperparameter setting of the paper's grid (§3.3 of Jozefowicz et al.). <see cref="InitScale"/> s draws every
    /// parameter from U[−s/√H, s/√H] (the paper gives the values, not the distribution; scaled by √H so that s = 1 is
    /// PyTorch's recurrent init at any width). The rate is that of the loss summed over the window's steps and averaged
    /// over the batch, as in the paper's TensorFlow-era code (docs/TRAINING.md).
    /// </summary>
    public sealed record Hyperparameters(float InitScale, float LearningRate, float ClipNorm, int Layers)
    {
        public string ToJson() => JsonSerializer.Serialize(this);

        public static Hyperparameters FromJson(string json)
        {
            Hyperparameters? h;
            try { h = JsonSerializer.Deserialize<Hyperparameters>(json); }
            catch (JsonException e) { throw new FormatException($"Not a hyperparameter setting: {e.Message} (got {json}).", e); }
            if (h is null || !(h.InitScale > 0f) || !(h.LearningRate > 0f) || !(h.ClipNorm >= 0f) || h.Layers <= 0)
                throw new FormatException($"A hyperparameter setting needs InitScale > 0, LearningRate > 0, ClipNorm >= 0 and Layers >= 1 (got {json}).");
            return h;
        }
    }

    /// <summary>The values each hyperparameter is drawn from, uniformly and independently.</summary>
    public sealed record HyperparameterGrid(float[] InitScales, float[] LearningRates, float[] ClipNorms, int[] Layers)
    {
        /// <summary>The paper's grid as the notes recall it: init scale {0.3, 0.7, 1, 1.4, 2, 2.8}, learning rate
        /// {0.1, 0.2, 0.3, 0.5, 1, 2, 5}, max gradient norm {1, 2.5, 5, 10, 20}, layers {1, 2}.</summary>
        public static HyperparameterGrid Paper { get; } = new(
            new[] { 0.3f, 0.7f, 1f, 1.4f, 2f, 2.8f },
            new[] { 0.1f, 0.2f, 0.3f, 0.5f, 1f, 2f, 5f },
            new[] { 1f, 2.5f, 5f, 10f, 20f },
            new[] { 1, 2 });

        public int Count => InitScales.Length * LearningRates.Length * ClipNorms.Length * Layers.Length;

        /// <summary>Every setting, in a fixed order.</summary>
        public IEnumerable<Hyperparameters> All()
            => from s in InitScales from r in LearningRates from c in ClipNorms from l in Layers select new Hyperparameters(s, r, c, l);

        /// <summary>A setting drawn uniformly from those not in <paramref name="tried"/> (the paper never repeats one);
        /// null when every setting has been tried.</summary>
        public Hyperparameters? Draw(CellRandom random, IReadOnlySet<Hyperparameters>? tried = null)
        {
            ArgumentNullException.ThrowIfNull(random);
            if (Count == 0) throw new InvalidOperationException("The grid is empty: every hyperparameter needs at least one value.");
            var open = tried is null || tried.Count == 0 ? All().ToList() : All().Where(h => !tried.Contains(h)).ToList();
            return open.Count == 0 ? null : open[(int)(random.NextUInt64() % (ulong)open.Count)];
        }
    }
}
