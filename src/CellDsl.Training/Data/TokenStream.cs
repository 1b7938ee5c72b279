using System;

namespace CellDsl.Training.Data
{
    /// <summary>
    /// One long token sequence, a split of a corpus or a generated task, as the trainer batches it into parallel
    /// streams. Position i's target is token i+1. <see cref="Scored"/> says which targets count in the loss and the
    /// metric: null means every one (language modeling); the paper's Arith and memorization tasks score only the
    /// answer symbols.
    /// </summary>
    public sealed class TokenStream
    {
        public TokenStream(string source, Vocabulary vocabulary, int[] tokens, bool[]? scored = null)
        {
            Source = source ?? throw new ArgumentNullException(nameof(source));
            Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
            Tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
            if (scored != null && scored.Length != tokens.Length)
                throw new ArgumentException($"scored has {scored.Length} entries for {tokens.Length} tokens.", nameof(scored));
            foreach (int t in tokens)
                if ((uint)t >= (uint)vocabulary.Count)
                    throw new ArgumentException($"{source}: token id {t} is outside the vocabulary of {vocabulary.Count}.", nameof(tokens));
            Scored = scored;
        }

        /// <summary>Where the tokens came from (a file path or a task name), for messages.</summary>
        public string Source { get; }

        public Vocabulary Vocabulary { get; }

        public int[] Tokens { get; }

        /// <summary>Scored[i]: whether the prediction of token i (from the tokens before it) counts; null = all do.</summary>
        public bool[]? Scored { get; }

        public int Length => Tokens.Length;
    }
}
