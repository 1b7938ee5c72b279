using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using CellDsl.Cli.Checking;
using CellDsl.Cli.Runs;

namespace CellDsl.Cli.Commands
{
    /// <summary>Options and arguments the verbs share, with their validation, so bad values are parse errors (exit code 2).</summary>
    public static class CommonOptions
    {
        public static Option<int> Positive(string name, string description, int defaultValue, string helpName = "N")
        {
            var option = new Option<int>(name)
            {
                Description = description,
                HelpName = helpName,
                DefaultValueFactory = _ => defaultValue,
                // Parsing and range in one place, so "abc" and "0" both get the same plain message.
                CustomParser = result =>
                {
                    string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                    if (int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0) return value;
                    result.AddError($"{name} must be a positive whole number, got '{token}'.");
                    return defaultValue;
                },
            };
            return option;
        }

        /// <summary>A whole number of at least <paramref name="minimum"/> with no default: unset means "keep the preset's".</summary>
        public static Option<int> Whole(string name, string description, int minimum, string helpName = "N")
            => new(name)
            {
                Description = description,
                HelpName = helpName,
                CustomParser = result =>
                {
                    string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                    if (int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= minimum) return value;
                    result.AddError(minimum == 1 ? $"{name} must be a positive whole number, got '{token}'."
                                                 : $"{name} must be a whole number >= {minimum}, got '{token}'.");
                    return minimum;
                },
            };

        /// <summary>A finite number that <paramref name="valid"/> accepts, with no default; <paramref name="requirement"/> completes "NAME must be ...".</summary>
        public static Option<float> Number(string name, string description, Func<float, bool> valid, string requirement, string helpName = "X")
            => new(name)
            {
                Description = description,
                HelpName = helpName,
                CustomParser = result =>
                {
                    string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                    if (float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) && valid(value)) return value;
                    result.AddError($"{name} must be {requirement}, got '{token}'.");
                    return 0f;
                },
            };

        /// <summary>One of a fixed list of words (case-insensitive, returned in lower case).</summary>
        public static Option<string> OneOf(string name, string description, IEnumerable<string> words, string helpName)
        {
            var list = words.ToArray();
            return new Option<string>(name)
            {
                Description = $"{description} One of: {string.Join(", ", list)}.",
                HelpName = helpName,
                CustomParser = result =>
                {
                    string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                    string? match = list.FirstOrDefault(w => string.Equals(w, token, StringComparison.OrdinalIgnoreCase));
                    if (match is null) result.AddError($"{name} must be one of {string.Join(", ", list)}, got '{token}'.");
                    return match ?? "";
                },
            };
        }

        /// <summary>Comma-separated zoo cell names, each checked, an unknown one reported with the list of cells; a path
        /// to a .cs file is left for <see cref="CellFiles"/> to read.</summary>
        public static Option<string[]> CellList(string name, string description)
        {
            var option = new Option<string[]>(name)
            {
                Description = description,
                HelpName = "CELL[,CELL...]",
                CustomParser = result => result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries)).ToArray(),
            };
            option.Validators.Add(result =>
            {
                foreach (var cell in result.GetValueOrDefault<string[]>() ?? [])
                    if (cell.Length == 0) result.AddError($"{name} has an empty cell name; separate names with single commas, as in lstm,gru.");
                    else if (!CellFiles.IsPath(cell) && ZooCatalog.Unknown(cell) is { } message) result.AddError(message);
            });
            return option;
        }

        /// <summary>The option's value when given on the command line, else <paramref name="fallback"/>.</summary>
        public static T Or<T>(this ParseResult parse, Option<T> option, T fallback)
            => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fallback;

        /// <summary>Zoo cell names; every name is checked, and an unknown one is reported with the list of cells.</summary>
        public static Argument<string[]> CellNames(string description)
        {
            var argument = new Argument<string[]>("CELL")
            {
                Description = description,
                Arity = ArgumentArity.ZeroOrMore,
            };
            argument.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                    if (ZooCatalog.Unknown(token.Value) is { } message) result.AddError(message);
            });
            return argument;
        }
    }
}
