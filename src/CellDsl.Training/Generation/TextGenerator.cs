using System;
using CellDsl.Training.Models;

namespace CellDsl.Training.Generation
{
    /// <summary>How <see cref="TextGenerator"/> picks each next token.</summary>
    /// <param name="Temperature">Logits are divided by it before the softmax; 0 picks the most probable token (greedy).</param>
    /// <param name="TopK">Sample only among the k most probable tokens (ties at the k-th value are kept); 0: all.</param>
    /// <param name="Seed">Fixes the draws: the same model, prompt and options give the same tokens.</param>
    public sealed record SamplingOptions(float Temperature = 1f, int TopK = 0, long Seed = 1);

    /// <summary>
    /// Samples from a language model one step at a time, on a workspace of T = 1, B = 1 over the same cells: the
    /// prompt is read token by token (teacher forcing), then each sampled token is fed back as the next input.
    /// </summary>
    public sealed class TextGenerator
    {
        private readonly LanguageModel _model;
        private readonly LanguageModelWorkspace _ws;
        private readonly float[] _sorted;

        public TextGenerator(LanguageModel model)
        {
            _model = model ?? throw new ArgumentNullException(nameof(model));
            _ws = model.CreateWorkspace(1, 1);
            _sorted = new float[model.VocabularySize];
        }

        /// <summary>The <paramref name="count"/> tokens that follow <paramref name="prompt"/> (which must not be empty).</summary>
        public int[] Generate(ReadOnlySpan<int> prompt, int count, SamplingOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            if (prompt.IsEmpty) throw new ArgumentException("The prompt needs at least one token to condition on (for example the corpus's <eos>).", nameof(prompt));
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of tokens to generate cannot be negative.");
            if (!(options.Temperature >= 0f) || float.IsInfinity(options.Temperature))
                throw new ArgumentOutOfRangeException(nameof(options), options.Temperature, "The temperature must be finite and >= 0 (0: greedy).");
            if (options.TopK < 0) throw new ArgumentOutOfRangeException(nameof(options), options.TopK, "top-k must be >= 0 (0: every token).");
            int V = _model.VocabularySize;
            foreach (int t in prompt)
                if ((uint)t >= (uint)V) throw new ArgumentOutOfRangeException(nameof(prompt), t, $"Prompt token {t} is outside the model's vocabulary of {V}.");

            var random = new CellRandom(options.Seed);
            _ws.ResetState();
            foreach (int t in prompt) Step(t);
            var output = new int[count];
            for (int i = 0; i < count; i++)
            {
                output[i] = Pick(options, random);
                if (i + 1 < count) Step(output[i]);
            }
            return output;
        }

        private void Step(int token)
        {
            _ws.Inputs[0] = token;
            _model.ForwardLogits(_ws);
        }

        /// <summary>A token drawn from softmax(logits / temperature) restricted to the top k.</summary>
        private int Pick(SamplingOptions options, CellRandom random)
        {
            int V = _model.VocabularySize;
            var z = _ws.Logits.AsSpan(0, V);
            int argmax = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(z);
            if (options.Temperature == 0f || options.TopK == 1) return argmax;
            float threshold = float.NegativeInfinity;
            if (options.TopK > 0 && options.TopK < V)
            {
                z.CopyTo(_sorted);
                Array.Sort(_sorted);
                threshold = _sorted[V - options.TopK];
            }
            double max = z[argmax], inv = 1.0 / options.Temperature, sum = 0;
            for (int v = 0; v < V; v++) sum += z[v] >= threshold ? Math.Exp((z[v] - max) * inv) : 0;
            double u = random.NextDouble() * sum, acc = 0;
            int last = argmax;
            for (int v = 0; v < V; v++)
            {
                if (z[v] < threshold) continue;
                acc += Math.Exp((z[v] - max) * inv);
                last = v;
                if (u < acc) return v;
            }
            return last;   // u rounded onto the total
        }
    }
}
