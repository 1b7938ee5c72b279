using System;
using System.Collections.Generic;
using System.Text;

namespace CellDsl.Training.Data
{
    /// <summary>
    /// Token strings and their ids (0..Count-1, in the order given). Word vocabularies join tokens with a space,
    /// character vocabularies with nothing; <see cref="Decode"/> uses <see cref="Separator"/>.
    /// </summary>
    public sealed class Vocabulary
    {
        private readonly string[] _tokens;
        private readonly Dictionary<string, int> _ids;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;

        public Vocabulary(IEnumerable<string> tokens, string separator)
        {
            ArgumentNullException.ThrowIfNull(tokens);
            _tokens = new List<string>(tokens).ToArray();
            _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
            for (int i = 0; i < _tokens.Length; i++)
                if (!_ids.TryAdd(_tokens[i], i))
                    throw new ArgumentException($"The token '{_tokens[i]}' appears twice in the vocabulary (ids {_ids[_tokens[i]]} and {i}).", nameof(tokens));
            _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
            Separator = separator ?? throw new ArgumentNullException(nameof(separator));
        }

        public int Count => _tokens.Length;

        /// <summary>What <see cref="Decode"/> puts between tokens: " " for words, "" for characters.</summary>
        public string Separator { get; }

        public IReadOnlyList<string> Tokens => _tokens;

        public string this[int id] => _tokens[id];

        public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

        /// <summary>The id of a token given as a slice of a larger text, without allocating a string for it.</summary>
        public bool TryGetId(ReadOnlySpan<char> token, out int id) => _spanIds.TryGetValue(token, out id);

        public int Id(string token)
            => _ids.TryGetValue(token, out int id) ? id
               : throw new KeyNotFoundException($"'{token}' is not in the vocabulary of {Count} tokens.");

        /// <summary>The text of a token sequence, tokens joined by <see cref="Separator"/>.</summary>
        public string Decode(ReadOnlySpan<int> ids)
        {
            var text = new StringBuilder();
            for (int i = 0; i < ids.Length; i++)
            {
                if (i > 0) text.Append(Separator);
                text.Append(_tokens[ids[i]]);
            }
            return text.ToString();
        }
    }
}
