using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace CellDsl.Training.Data.Tasks
{
    /// <summary>
    /// The paper's XML modeling: "With 50% probability or after 50 iterations, we either close the most recently opened
    /// tag, or stop if no open tags remain. Otherwise, open a new random tag." Tags are 2 to 10 random lowercase letters.
    /// As the paper's example, each tag is on its own line indented one space per open tag around it; a blank line ends
    /// a document. Every position is scored (next-character accuracy).
    /// </summary>
    public static class XmlTask
    {
        public const string Alphabet = "abcdefghijklmnopqrstuvwxyz</> \n";

        public const int MinTagLength = 2, MaxTagLength = 10;

        /// <summary>From this iteration (0-based) on, the generator only closes tags.</summary>
        public const int FreeIterations = 50;

        public static Corpus Generate(long seed, TaskSizes sizes)
            => TaskWriter.Corpus("xml", Alphabet, seed, sizes, everyPositionScored: true, Append);

        internal static void Append(CellRandom random, TaskWriter writer)
        {
            var names = new List<char>();
            var open = new Stack<(int Start, int Length)>();
            // The rule stops at once half the time (nothing is open at first); an empty document is drawn again.
            for (bool wrote = false; !wrote;)
            {
                for (int iteration = 0; ; iteration++)
                {
                    if (iteration >= FreeIterations || random.NextDouble() < 0.5)
                    {
                        if (open.Count == 0) break;
                        var (start, length) = open.Pop();
                        Line(writer, open.Count, "</", CollectionsMarshal.AsSpan(names).Slice(start, length));
                        names.RemoveRange(start, length);
                    }
                    else
                    {
                        int length = MinTagLength + random.Below(MaxTagLength - MinTagLength + 1);
                        int start = names.Count;
                        for (int i = 0; i < length; i++) names.Add(random.Letter());
                        Line(writer, open.Count, "<", CollectionsMarshal.AsSpan(names).Slice(start, length));
                        open.Push((start, length));
                    }
                    wrote = true;
                }
            }
            writer.Add('\n', scored: true);
        }

        private static void Line(TaskWriter writer, int depth, string opening, ReadOnlySpan<char> name)
        {
            for (int i = 0; i < depth; i++) writer.Add(' ', scored: true);
            writer.Add(opening, scored: true);
            writer.Add(name, scored: true);
            writer.Add(">\n", scored: true);
        }
    }
}
