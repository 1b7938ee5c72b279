using CellDsl.Training.Data;

namespace CellDsl.Tests.Training;

/// <summary>Small token streams built in the test, independent of any corpus reader.</summary>
internal static class Streams
{
    public static Vocabulary Letters(int count) => new(Enumerable.Range(0, count).Select(i => ((char)('a' + i)).ToString()), "");

    /// <summary>
    /// "a b a c a d a e" repeated: after each 'a' the next letter is the successor of the one before the 'a', so a
    /// model without memory cannot do better than ln 4 after an 'a' (0.69 nats per token on average), while a
    /// recurrent one can predict every token.
    /// </summary>
    public static TokenStream Cycle(int length)
    {
        int[] pattern = { 0, 1, 0, 2, 0, 3, 0, 4 };
        var tokens = new int[length];
        for (int i = 0; i < length; i++) tokens[i] = pattern[i % pattern.Length];
        return new TokenStream("cycle", Letters(5), tokens);
    }

    /// <summary>Pseudo-random tokens: nothing to learn, for shape and reproducibility tests.</summary>
    public static TokenStream Random(int length, int vocabulary, int seed, bool[]? scored = null)
    {
        var rng = new CellRandom(seed);
        var tokens = new int[length];
        for (int i = 0; i < length; i++) tokens[i] = (int)(rng.NextUInt64() % (ulong)vocabulary);
        return new TokenStream($"random{seed}", Letters(vocabulary), tokens, scored);
    }
}
