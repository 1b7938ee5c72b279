using System;
using System.Collections.Generic;
using System.Linq;

namespace CellDsl.Cli.Runs
{
    /// <summary>
    /// A named set of hyperparameters: the corpus it is for, the model's shape and the trainer's schedule. Every field
    /// can be overridden by its command-line option.
    /// </summary>
    /// <param name="TaskTokens">Training symbols of a generated task (valid and test get a tenth each); 0 for file corpora.</param>
    /// <param name="EvaluateEvery">Steps between evaluations within an epoch, besides its end (0: epoch ends only).</param>
    public sealed record Preset(
        string Name, string Corpus, string Description,
        int Layers, int Hidden, int Steps, int Batch, int Epochs,
        float LearningRate, int ConstantEpochs, float Decay, float Clip,
        float InitScale, float Dropout, string Optimizer, int TaskTokens, int EvaluateEvery);

    /// <summary>The presets: Zaremba et al. (2014) for PTB and the settings found here for the paper's generated tasks.</summary>
    public static class Presets
    {
        // Zaremba, Sutskever & Vinyals 2014, Table 1 and section 4.1: 2 LSTM layers, batch 20, U[-s, s] init, SGD at
        // lr 1 held for k epochs then divided by d each epoch, the gradient's global norm clipped.
        public static readonly Preset Small = new("small", "ptb", "Zaremba et al. 2014 non-regularized: 2x200, T 20, no dropout, 13 epochs",
            2, 200, 20, 20, 13, 1f, 4, 2f, 5f, 0.1f, 0f, "sgd", 0, 0);
        public static readonly Preset Medium = new("medium", "ptb", "Zaremba et al. 2014 medium: 2x650, T 35, dropout 0.5, 39 epochs",
            2, 650, 35, 20, 39, 1f, 6, 1.2f, 5f, 0.05f, 0.5f, "sgd", 0, 0);
        public static readonly Preset Large = new("large", "ptb", "Zaremba et al. 2014 large: 2x1500, T 35, dropout 0.65, 55 epochs",
            2, 1500, 35, 20, 55, 1f, 14, 1.15f, 10f, 0.04f, 0.65f, "sgd", 0, 0);

        // The paper's tasks sized to learn in one to two minutes on two shared cores (a 1x128 LSTM, Adam; the
        // measurements are in docs/TRAINING.md, "Presets"). Arith gets fresh data rather than a second pass: the answers
        // are what it must learn, and repeating examples invites memorizing them. Evaluating every 250 steps gives a
        // run of one or two epochs a curve rather than a point.
        public static readonly Preset Arith = new("arith", "arith", "Jozefowicz et al. 2015 Arith: 1x128, T 35, Adam 0.003, one epoch of 800k symbols",
            1, 128, 35, 20, 1, 0.003f, 2, 1.5f, 5f, 0.1f, 0f, "adam", 800_000, 250);
        public static readonly Preset Xml = new("xml", "xml", "Jozefowicz et al. 2015 XML: 1x128, T 35, Adam 0.003, two epochs of 400k symbols",
            1, 128, 35, 20, 2, 0.003f, 2, 1.5f, 5f, 0.1f, 0f, "adam", 400_000, 250);
        public static readonly Preset Memorization = new("memorization", "memorization", "Jozefowicz et al. 2015 memorization filter: 1x128, T 35, Adam 0.003, two epochs of 400k symbols",
            1, 128, 35, 20, 2, 0.003f, 2, 1.5f, 5f, 0.1f, 0f, "adam", 400_000, 250);

        // JSB chorales (Boulanger-Lewandowski et al. 2012's next-frame task): one layer of 128, whole chorales in
        // batches of 8, Adam 0.003 held constant, clip 5 on the mean NLL per frame, dropout 0.3 (229 chorales
        // overfit a model this size); Steps is unused (chorales are whole). docs/RESULTS.md has what it reaches.
        public static readonly Preset Jsb = new("jsb", "jsb", "JSB chorales next-frame NLL: 1x128, whole chorales in batches of 8, Adam 0.003, dropout 0.3, 120 epochs",
            1, 128, 0, 8, 120, 0.003f, 120, 1f, 5f, 0.1f, 0.3f, "adam", 0, 0);

        public static readonly IReadOnlyList<Preset> All = new[] { Small, Medium, Large, Arith, Xml, Memorization, Jsb };

        public static IEnumerable<string> Names => All.Select(p => p.Name);

        /// <summary>The preset called <paramref name="name"/> (case-insensitive), or null.</summary>
        public static Preset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>What a run without --preset starts from: the task's (or JSB's) own preset, or Zaremba's small config for text.</summary>
        public static Preset DefaultFor(string corpus) => All.FirstOrDefault(p => p.Corpus == corpus && (p.TaskTokens > 0 || p == Jsb)) ?? Small;
    }
}
