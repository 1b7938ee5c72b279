using System.Globalization;
using CellDsl;

namespace Translation
{
    /// <summary>
    /// The task: a date between 1950 and 2049 written in one of six ways ("3 March 2021", "March 3, 2021",
    /// "3 Mar 2021", "Wednesday, 3 March 2021", "the 3rd of March 2021", "03.03.2021"), read character by character,
    /// to be translated into "2021-03-03". Dates of the held-out set never appear in training, in any format.
    /// </summary>
    public static class DateTask
    {
        public const int FirstYear = 1950, Years = 100, TargetLength = 11;   // "yyyy-MM-dd" and the end token
        public const int Start = 0, End = 1;                                   // target ids; then '-', '0'..'9'

        private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];
        private static readonly Func<DateOnly, string>[] Formats =
        {
            d => $"{d.Day} {Month(d)} {d.Year}",
            d => $"{Month(d)} {d.Day}, {d.Year}",
            d => $"{d.Day} {Month(d)[..3]} {d.Year}",
            d => $"{d.DayOfWeek}, {d.Day} {Month(d)} {d.Year}",
            d => $"the {Ordinal(d.Day)} of {Month(d)} {d.Year}",
            d => $"{d.Day:00}.{d.Month:00}.{d.Year}",
        };

        /// <summary>Every character a source can hold; a source token is its index here.</summary>
        public static readonly string SourceAlphabet = new(Enumerable.Range(0, 366 * 4)
            .SelectMany(i => Formats.Select(f => f(new DateOnly(2000, 1, 1).AddDays(i))))
            .SelectMany(s => s).Distinct().Order().ToArray());

        /// <summary>The target vocabulary: start, end, '-', then the digits.</summary>
        public static readonly string TargetAlphabet = "^$-0123456789";

        public static int FormatCount => Formats.Length;

        /// <summary>The longest source any format writes.</summary>
        public static readonly int MaxSourceLength = Enumerable.Range(0, 366 * 4)
            .SelectMany(i => Formats.Select(f => f(new DateOnly(2000, 1, 1).AddDays(i)).Length)).Max();

        private static string Month(DateOnly d) => MonthNames[d.Month - 1];

        private static string Ordinal(int day) => day + (day % 10) switch
        {
            1 when day != 11 => "st",
            2 when day != 12 => "nd",
            3 when day != 13 => "rd",
            _ => "th",
        };

        public static string Source(DateOnly date, int format) => Formats[format](date);

        public static string Target(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        public static DateOnly Day(int number) => new DateOnly(FirstYear, 1, 1).AddDays(number);

        public static int Days => Day(0).AddYears(Years).DayNumber - Day(0).DayNumber;

        public static int[] SourceTokens(string text) => text.Select(c => SourceAlphabet.IndexOf(c)).ToArray();

        /// <summary>The target's tokens, ending with the end token.</summary>
        public static int[] TargetTokens(string text) => text.Select(c => TargetAlphabet.IndexOf(c)).Append(End).ToArray();

        public static string TargetText(ReadOnlySpan<int> tokens)
        {
            var chars = new char[tokens.Length];
            for (int i = 0; i < tokens.Length; i++) chars[i] = TargetAlphabet[tokens[i]];
            return new string(chars);
        }

        /// <summary>A held-out set: <paramref name="count"/> distinct days, each in a random format.</summary>
        public static (DateOnly Date, int Format)[] HeldOut(int count, int seed)
        {
            var rng = new CellRandom(seed);
            var days = new HashSet<int>();
            var set = new List<(DateOnly, int)>();
            while (set.Count < count)
            {
                int day = (int)(rng.NextUInt64() % (ulong)Days);
                if (days.Add(day)) set.Add((Day(day), (int)(rng.NextUInt64() % (ulong)Formats.Length)));
            }
            return set.ToArray();
        }
    }
}
