using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CellDsl.Training.Data
{
    /// <summary>
    /// Any UTF-8 text at character level. A token is one Unicode scalar value (a <see cref="Rune"/>), never a
    /// grapheme cluster: scalar values do not depend on the runtime's Unicode tables, so ids stay the same everywhere.
    /// <c>\r\n</c> is read as <c>\n</c> (a file checked out with Windows line ends gives the same corpus); a lone
    /// <c>\r</c> stays a character. The vocabulary is the training split's distinct characters in ordinal (code
    /// point) order; a character of valid or test outside it is an error naming its place (no &lt;unk&gt;).
    /// </summary>
    public static class CharacterText
    {
        /// <summary>char-rnn's default split of one file by position: the first 90% train, then 5% valid, 5% test.</summary>
        public static Corpus Load(string path)
        {
            int[] text = Scalars(TextFile.Read(path));
            int trainEnd = (int)(text.LongLength * 9 / 10), validEnd = (int)(text.LongLength * 19 / 20);
            if (validEnd - trainEnd < 2 || text.Length - validEnd < 2)
                throw new DataFormatException(path, null, null,
                    $"The text has only {text.Length} characters: split 90/5/5 by position, valid and test need at least 2 each (40 in all).",
                    "Use a longer text, or give separate train, valid and test files.");
            var vocabulary = VocabularyOf(text.AsSpan(0, trainEnd));
            return new Corpus(Path.GetFileName(path), vocabulary,
                Encode(path, "train 90%", text, 0, trainEnd, vocabulary),
                Encode(path, "valid 5%", text, trainEnd, validEnd, vocabulary),
                Encode(path, "test 5%", text, validEnd, text.Length, vocabulary),
                Metric.BitsPerCharacter);
        }

        /// <summary>Three files, the vocabulary from the first.</summary>
        public static Corpus Load(string trainPath, string validPath, string testPath)
        {
            int[] train = Scalars(TextFile.Read(trainPath));
            var vocabulary = VocabularyOf(train);
            int[] valid = Scalars(TextFile.Read(validPath)), test = Scalars(TextFile.Read(testPath));
            return new Corpus(Path.GetFileName(trainPath), vocabulary,
                Encode(trainPath, null, train, 0, train.Length, vocabulary),
                Encode(validPath, null, valid, 0, valid.Length, vocabulary),
                Encode(testPath, null, test, 0, test.Length, vocabulary),
                Metric.BitsPerCharacter);
        }

        // The text's scalar values, \r\n folded to \n.
        private static int[] Scalars(string text)
        {
            var scalars = new List<int>(text.Length);
            foreach (var rune in text.EnumerateRunes())
            {
                if (rune.Value == '\n' && scalars.Count > 0 && scalars[^1] == '\r') scalars[^1] = '\n';
                else scalars.Add(rune.Value);
            }
            return scalars.ToArray();
        }

        private static Vocabulary VocabularyOf(ReadOnlySpan<int> train)
        {
            var distinct = new SortedSet<int>();
            foreach (int s in train) distinct.Add(s);
            var tokens = new List<string>(distinct.Count);
            foreach (int s in distinct) tokens.Add(new Rune(s).ToString());
            return new Vocabulary(tokens, "");
        }

        private static TokenStream Encode(string path, string? part, int[] text, int start, int end, Vocabulary vocabulary)
        {
            if (end - start < 2)
                throw new DataFormatException(path, null, null, $"The text has {end - start} character: a stream needs at least 2 (one prediction).",
                    "Use a longer text.");
            // A direct table from scalar value to id: the vocabulary's largest scalar bounds it.
            int max = 0;
            foreach (string t in vocabulary.Tokens) max = Math.Max(max, Rune.GetRuneAt(t, 0).Value);
            var ids = new int[max + 1];
            Array.Fill(ids, -1);
            for (int id = 0; id < vocabulary.Count; id++) ids[Rune.GetRuneAt(vocabulary[id], 0).Value] = id;

            var tokens = new int[end - start];
            for (int i = start; i < end; i++)
            {
                int s = text[i];
                int id = s < ids.Length ? ids[s] : -1;
                if (id < 0) throw NotInVocabulary(path, part, text, i, vocabulary);
                tokens[i - start] = id;
            }
            return new TokenStream(part is null ? path : $"{path} ({part})", vocabulary, tokens);
        }

        private static DataFormatException NotInVocabulary(string path, string? part, int[] text, int index, Vocabulary vocabulary)
        {
            int lineStart = text.AsSpan(0, index).LastIndexOf('\n') + 1;
            int line = 1 + text.AsSpan(0, index).Count('\n');
            var rune = new Rune(text[index]);
            string shown = Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) ? "" : $"'{rune}' ";
            return new DataFormatException(path, line, index - lineStart + 1,
                $"The character {shown}(U+{rune.Value:X4}){(part is null ? "" : $" in the {part} part")} does not occur in the training text, so it has no id among its {vocabulary.Count} characters.",
                "Add text that contains it to the training split, or remove it from this file.");
        }
    }
}
