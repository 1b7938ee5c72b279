using System;
using System.Collections.Generic;

namespace CellDsl.Training.Data
{
    /// <summary>
    /// Penn Treebank in Mikolov's text format: a folder with ptb.train.txt, ptb.valid.txt and ptb.test.txt, one
    /// sentence a line, words separated by whitespace. As Zaremba's and TensorFlow's readers do, every line ends in an
    /// <c>&lt;eos&gt;</c> token and the vocabulary is the training split's words ordered by descending count, ties by
    /// ordinal order, <c>&lt;eos&gt;</c> counted like any word (10,000 ids on PTB). Valid and test may use only those words.
    /// </summary>
    public static class PennTreebank
    {
        public const string EndOfSentence = "<eos>";

        public static readonly IReadOnlyList<string> FileNames = new[] { "ptb.train.txt", "ptb.valid.txt", "ptb.test.txt" };

        /// <summary>The three splits of the folder, over the training split's vocabulary; reported in perplexity.</summary>
        public static Corpus Load(string folder)
        {
            if (string.IsNullOrWhiteSpace(folder))
                throw new ArgumentException("A PTB folder is required (got an empty string).", nameof(folder));
            var paths = TextFile.InFolder(folder, FileNames, "A PTB folder", "(the data/ folder of Mikolov's simple-examples)");
            var train = ReadTraining(paths[0]);
            return new Corpus("ptb", train.Vocabulary, train, Read(paths[1], train.Vocabulary), Read(paths[2], train.Vocabulary), Metric.Perplexity);
        }

        /// <summary>A training file: its vocabulary is built from it (see the class summary) and its stream uses it.</summary>
        public static TokenStream ReadTraining(string path)
        {
            string text = TextFile.Read(path);
            var counting = new Counting(new Dictionary<string, int>(StringComparer.Ordinal));
            int[] tokens = Tokenize(path, text, ref counting);

            // Provisional ids are in order of first appearance; the vocabulary's order is by count, then ordinal.
            var order = new int[counting.Words.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            var words = counting.Words;
            var counts = counting.Counts;
            Array.Sort(order, (a, b) => counts[a] != counts[b] ? counts[b].CompareTo(counts[a]) : string.CompareOrdinal(words[a], words[b]));
            var final = new int[order.Length];
            var sorted = new string[order.Length];
            for (int id = 0; id < order.Length; id++)
            {
                final[order[id]] = id;
                sorted[id] = words[order[id]];
            }
            for (int i = 0; i < tokens.Length; i++) tokens[i] = final[tokens[i]];
            return new TokenStream(path, new Vocabulary(sorted, " "), tokens);
        }

        /// <summary>A file over a fixed vocabulary (valid, test, or a model's own); a word outside it is an error at its place.</summary>
        public static TokenStream Read(string path, Vocabulary vocabulary)
        {
            ArgumentNullException.ThrowIfNull(vocabulary);
            if (!vocabulary.TryGetId(EndOfSentence, out _))
                throw new ArgumentException($"The vocabulary has no {EndOfSentence} token, which ends every line of a PTB file; it is not a PTB vocabulary.", nameof(vocabulary));
            string text = TextFile.Read(path);
            var fixedIds = new Fixed(path, text, vocabulary);
            return new TokenStream(path, vocabulary, Tokenize(path, text, ref fixedIds));
        }

        private interface IWordIds
        {
            /// <summary>The id of the word that starts at text[at] (at is the line's end for &lt;eos&gt;).</summary>
            int Id(ReadOnlySpan<char> word, int at);
        }

        // Whitespace-separated words, an <eos> at every '\n' and after a last line that has words but no '\n'.
        private static int[] Tokenize<TIds>(string path, string text, ref TIds ids) where TIds : struct, IWordIds
        {
            var tokens = new List<int>(text.Length / 5);
            int words = 0;
            bool lineHasWords = false;
            int i = 0;
            while (i < text.Length)
            {
                char c = text[i];
                if (c == '\n')
                {
                    tokens.Add(ids.Id(EndOfSentence, i));
                    lineHasWords = false;
                    i++;
                }
                else if (char.IsWhiteSpace(c)) i++;
                else
                {
                    int start = i;
                    while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
                    tokens.Add(ids.Id(text.AsSpan(start, i - start), start));
                    words++;
                    lineHasWords = true;
                }
            }
            if (lineHasWords) tokens.Add(ids.Id(EndOfSentence, text.Length));
            if (words == 0)
                throw new DataFormatException(path, null, null, "The file has no words, only whitespace.", "Point at a file that holds the corpus text.");
            return tokens.ToArray();
        }

        private struct Counting : IWordIds
        {
            private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ids;
            public readonly List<string> Words = new();
            public readonly List<int> Counts = new();

            public Counting(Dictionary<string, int> ids) => _ids = ids.GetAlternateLookup<ReadOnlySpan<char>>();

            public int Id(ReadOnlySpan<char> word, int at)
            {
                if (_ids.TryGetValue(word, out int id))
                {
                    Counts[id]++;
                    return id;
                }
                id = Words.Count;
                string s = word.ToString();
                _ids.Dictionary.Add(s, id);
                Words.Add(s);
                Counts.Add(1);
                return id;
            }
        }

        private readonly struct Fixed(string path, string text, Vocabulary vocabulary) : IWordIds
        {
            public int Id(ReadOnlySpan<char> word, int at)
            {
                if (vocabulary.TryGetId(word, out int id)) return id;
                var (line, column) = TextFile.Position(text, at);
                throw new DataFormatException(path, line, column,
                    $"The word '{word}' is not in the vocabulary of {vocabulary.Count} words read from the training split.",
                    $"Replace it with <unk> as Mikolov's preprocessing does, or add text that uses it to the training split.");
            }
        }
    }
}
