using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace CellDsl.Training.Data.Tasks
{
    /// <summary>
    /// The common frame of the generated tasks: examples drawn one after another from a seeded <see cref="CellRandom"/>
    /// and written as symbols of a fixed alphabet, each marked scored or not, until the stream has its length.
    /// </summary>
    internal sealed class TaskWriter
    {
        private readonly int[] _ids = new int[128];
        private readonly List<int> _tokens;
        private readonly List<bool> _scored;

        private TaskWriter(Vocabulary vocabulary, int capacity)
        {
            Array.Fill(_ids, -1);
            for (int id = 0; id < vocabulary.Count; id++) _ids[vocabulary[id][0]] = id;
            _tokens = new List<int>(capacity);
            _scored = new List<bool>(capacity);
        }

        public int Count => _tokens.Count;

        public void Add(char symbol, bool scored)
        {
            _tokens.Add(_ids[symbol]);
            _scored.Add(scored);
        }

        public void Add(ReadOnlySpan<char> symbols, bool scored)
        {
            foreach (char c in symbols) Add(c, scored);
        }

        /// <summary>The task's vocabulary: its alphabet's ASCII symbols in ordinal order.</summary>
        public static Vocabulary VocabularyOf(string alphabet)
        {
            var symbols = alphabet.ToCharArray();
            Array.Sort(symbols);
            var tokens = new string[symbols.Length];
            for (int i = 0; i < symbols.Length; i++) tokens[i] = symbols[i].ToString();
            return new Vocabulary(tokens, "");
        }

        /// <summary>
        /// Train, valid and test from one seed. Each split draws from its own generator, seeded from the first, so a
        /// split's content does not depend on the other splits' lengths. The last example is cut where the length ends.
        /// </summary>
        public static Corpus Corpus(string name, string alphabet, long seed, TaskSizes sizes, bool everyPositionScored,
                                    Action<CellRandom, TaskWriter> appendExample)
        {
            sizes.Validate(nameof(sizes));
            var vocabulary = VocabularyOf(alphabet);
            var seeds = new CellRandom(seed);
            TokenStream Split(string split, int length)
            {
                var random = new CellRandom(unchecked((long)seeds.NextUInt64()));
                var writer = new TaskWriter(vocabulary, length + 256);
                while (writer.Count < length) appendExample(random, writer);
                int[] tokens = CollectionsMarshal.AsSpan(writer._tokens)[..length].ToArray();
                bool[]? scored = everyPositionScored ? null : CollectionsMarshal.AsSpan(writer._scored)[..length].ToArray();
                return new TokenStream($"{name} {split} (seed {seed})", vocabulary, tokens, scored);
            }
            var train = Split("train", sizes.Train);
            var valid = Split("valid", sizes.Valid);
            return new Corpus(name, vocabulary, train, valid, Split("test", sizes.Test), Metric.Accuracy);
        }
    }

    internal static class TaskRandom
    {
        /// <summary>Uniform in [0, n), exactly (Lemire's multiply-and-reject).</summary>
        public static int Below(this CellRandom random, int n)
        {
            ulong high = Math.BigMul(random.NextUInt64(), (ulong)n, out ulong low);
            if (low < (ulong)n)
            {
                ulong threshold = (0UL - (ulong)n) % (ulong)n;
                while (low < threshold) high = Math.BigMul(random.NextUInt64(), (ulong)n, out low);
            }
            return (int)high;
        }

        public static char Letter(this CellRandom random) => (char)('a' + random.Below(26));
    }
}
