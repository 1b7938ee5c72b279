using System;
using System.Globalization;

namespace CellDsl.Training.Data.Tasks
{
    /// <summary>
    /// The paper's Arith: the sum or difference of two numbers, read one character at a time with random lowercase
    /// distractors after every input character, then <c>=</c>, then the answer, then <c>.</c>. The paper's example
    /// reads <c>3e36d9-h1h39f94eeh43keg3c=-13991064.</c> (3369 − 13994433). Only the answer and its <c>.</c> are scored.
    /// </summary>
    public static class ArithTask
    {
        public const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789+-=.";

        /// <summary>Operands have 1 to 8 digits, as the reproduction of the paper this follows.</summary>
        public const int MaxDigits = 8;

        /// <summary>After each input character one more distractor follows with this probability (a geometric count,
        /// mean 1: the paper's example has 12 distractors over 13 gaps).</summary>
        public const double DistractorContinue = 0.5;

        /// <summary>The longest operands <see cref="Generate"/> accepts: their sum still fits a <see cref="long"/>.</summary>
        public const int MaxSupportedDigits = 17;

        /// <summary>
        /// The task as the paper sets it, or easier or harder: operands of 1 to <paramref name="maxDigits"/> digits, and
        /// after each input character another distractor with probability <paramref name="distractorContinue"/> (0: none).
        /// The defaults are the paper's task; the others are for curricula and for measuring what makes it hard.
        /// </summary>
        public static Corpus Generate(long seed, TaskSizes sizes, int maxDigits = MaxDigits, double distractorContinue = DistractorContinue)
        {
            if (maxDigits < 1 || maxDigits > MaxSupportedDigits)
                throw new ArgumentOutOfRangeException(nameof(maxDigits), maxDigits, $"Operands need 1 to {MaxSupportedDigits} digits (the paper: {MaxDigits}).");
            if (!(distractorContinue >= 0 && distractorContinue < 1))
                throw new ArgumentOutOfRangeException(nameof(distractorContinue), distractorContinue, $"The distractor probability must be in [0, 1) (the paper's reading here: {DistractorContinue}).");
            return TaskWriter.Corpus("arith", Alphabet, seed, sizes, everyPositionScored: false,
                                     (random, writer) => Append(random, writer, maxDigits, distractorContinue));
        }

        internal static void Append(CellRandom random, TaskWriter writer, int maxDigits, double distractorContinue)
        {
            long a = Operand(random, maxDigits), b = Operand(random, maxDigits);
            bool plus = random.Below(2) == 0;
            Span<char> question = stackalloc char[2 * MaxSupportedDigits + 1];
            a.TryFormat(question, out int n, provider: CultureInfo.InvariantCulture);
            question[n++] = plus ? '+' : '-';
            b.TryFormat(question[n..], out int nb, provider: CultureInfo.InvariantCulture);
            foreach (char c in question[..(n + nb)])
            {
                writer.Add(c, scored: false);
                while (random.NextDouble() < distractorContinue) writer.Add(random.Letter(), scored: false);
            }
            writer.Add('=', scored: false);
            Span<char> answer = stackalloc char[MaxSupportedDigits + 2];
            (plus ? a + b : a - b).TryFormat(answer, out int na, provider: CultureInfo.InvariantCulture);
            writer.Add(answer[..na], scored: true);
            writer.Add('.', scored: true);
        }

        // Digit count uniform in 1..8, then uniform digits without a leading zero: uniform over values would make nine
        // numbers in ten 8 digits long, and the paper's example has a 4-digit one.
        private static long Operand(CellRandom random, int maxDigits)
        {
            int digits = 1 + random.Below(maxDigits);
            if (digits == 1) return random.Below(10);
            long value = 1 + random.Below(9);
            for (int i = 1; i < digits; i++) value = value * 10 + random.Below(10);
            return value;
        }
    }
}
