namespace CellDsl.Training.Data
{
    /// <summary>The figure a corpus is reported in (../docs/RESULTS.md uses the same definitions).</summary>
    public enum Metric
    {
        /// <summary>Word perplexity: exp of the mean NLL per scored token (natural log), &lt;eos&gt; counted.</summary>
        Perplexity,

        /// <summary>Bits per character: mean NLL per scored character / ln 2.</summary>
        BitsPerCharacter,

        /// <summary>Next-step accuracy with teacher forcing over the scored targets (the paper's Arith, XML, memorization).</summary>
        Accuracy,
    }

    /// <summary>Train, validation and test streams over one vocabulary, and the metric they are reported in.</summary>
    public sealed record Corpus(string Name, Vocabulary Vocabulary, TokenStream Train, TokenStream Valid, TokenStream Test, Metric Metric);
}
