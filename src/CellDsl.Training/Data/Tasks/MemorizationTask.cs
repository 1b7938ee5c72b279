namespace CellDsl.Training.Data.Tasks
{
    /// <summary>
    /// The paper's memorization filter: read 5 symbols of 26, then reproduce them in order. An example is the five
    /// letters, <c>=</c> (the cue to reproduce), the five again, and <c>.</c>; only the reproduction is scored.
    /// </summary>
    public static class MemorizationTask
    {
        public const string Alphabet = "abcdefghijklmnopqrstuvwxyz=.";

        public const int Symbols = 5;

        public static Corpus Generate(long seed, TaskSizes sizes)
            => TaskWriter.Corpus("memorization", Alphabet, seed, sizes, everyPositionScored: false, Append);

        internal static void Append(CellRandom random, TaskWriter writer)
        {
            System.Span<char> read = stackalloc char[Symbols];
            for (int i = 0; i < Symbols; i++) read[i] = random.Letter();
            writer.Add(read, scored: false);
            writer.Add('=', scored: false);
            writer.Add(read, scored: true);
            writer.Add('.', scored: false);
        }
    }
}
