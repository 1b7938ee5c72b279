using System.CommandLine;
using System.Globalization;
using CellDsl.Cli.Checking;

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
