using CellDsl.Training.Generation;
using CellDsl.Training.Models;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>Step-by-step generation against the model run over the whole sequence at once.</summary>
public class GenerationTests
{
    private static LanguageModel Model() => TrainerTests.Model(6, 8, new[] { "lstm", "gru" }, init: 0.8f, seed: 5);

    /// <summary>The logits after each token of <paramref name="tokens"/>, from one window of T = tokens.Length.</summary>
    private static float[][] WholeSequenceLogits(LanguageModel model, int[] tokens)
    {
        var ws = model.CreateWorkspace(tokens.Length, 1);
        tokens.CopyTo(ws.Inputs, 0);
        model.ForwardLogits(ws);
        int V = model.VocabularySize;
        return Enumerable.Range(0, tokens.Length).Select(t => ws.Logits.AsSpan(t * V, V).ToArray()).ToArray();
    }

    [Fact]
    public void Greedy_generation_one_step_at_a_time_follows_the_argmax_of_the_whole_sequence_pass()
    {
        var model = Model();
        int[] prompt = { 0, 3, 1 };
        var generated = new TextGenerator(model).Generate(prompt, 12, new SamplingOptions(Temperature: 0f));
        var all = prompt.Concat(generated).ToArray();
        var logits = WholeSequenceLogits(model, all);
        for (int i = 0; i < generated.Length; i++)
        {
            var row = logits[prompt.Length - 1 + i];
            Assert.Equal(Array.IndexOf(row, row.Max()), generated[i]);
        }
        Assert.True(generated.Distinct().Count() > 1, "the test model should not predict one token everywhere");
    }

    [Fact]
    public void The_same_seed_gives_the_same_tokens_and_another_seed_other_ones()
    {
        var gen = new TextGenerator(Model());
        var a = gen.Generate(new[] { 2 }, 40, new SamplingOptions(1f, 0, 11));
        Assert.Equal(a, gen.Generate(new[] { 2 }, 40, new SamplingOptions(1f, 0, 11)));
        Assert.NotEqual(a, gen.Generate(new[] { 2 }, 40, new SamplingOptions(1f, 0, 12)));
    }

    [Theory]
    [InlineData(1.0f, 0)]
    [InlineData(0.5f, 0)]
    [InlineData(1.5f, 3)]
    public void Sampled_frequencies_follow_the_tempered_top_k_softmax(float temperature, int topK)
    {
        var model = Model();
        int[] prompt = { 4, 1 };
        var z = WholeSequenceLogits(model, prompt)[^1];
        int V = z.Length;
        var kept = Enumerable.Range(0, V).Where(v => topK == 0 || z.Count(o => o > z[v]) < topK).ToArray();
        var weights = new double[V];
        foreach (int v in kept) weights[v] = Math.Exp((z[v] - z.Max()) / temperature);
        double total = weights.Sum();

        var gen = new TextGenerator(model);
        const int draws = 3000;
        var counts = new int[V];
        for (int s = 0; s < draws; s++) counts[gen.Generate(prompt, 1, new SamplingOptions(temperature, topK, s))[0]]++;
        for (int v = 0; v < V; v++)
        {
            double p = weights[v] / total, sd = Math.Sqrt(p * (1 - p) / draws);
            Assert.True(Math.Abs(counts[v] / (double)draws - p) <= 5 * sd + 1e-9, $"token {v}: sampled {counts[v] / (double)draws:F4}, expected {p:F4}");
        }
    }

    [Fact]
    public void An_empty_prompt_or_a_token_outside_the_vocabulary_is_an_error()
    {
        var gen = new TextGenerator(Model());
        Assert.Throws<ArgumentException>(() => gen.Generate(ReadOnlySpan<int>.Empty, 3, new SamplingOptions()));
        Assert.Contains("9", Assert.Throws<ArgumentOutOfRangeException>(() => gen.Generate(new[] { 9 }, 3, new SamplingOptions())).Message);
    }
}
