using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using CellDsl.Cli.Rendering;
using CellDsl.Cli.Runs;
using CellDsl.Training.Data;
using CellDsl.Training.Generation;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl generate RUN`: samples text from a trained run's checkpoint.</summary>
    public static class GenerateCommand
    {
        /// <summary>Tokens that end a unit of text (a PTB line, a line, an Arith or memorization example): the prompt
        /// when none is given, so sampling starts where a new unit would.</summary>
        private static readonly string[] Boundaries = { "<eos>", "\n", "." };

        public static Command Create(TextWriter output, TextWriter error, TextStyle style)
        {
            var runDir = new Argument<string>("RUN") { Description = "The run folder celldsl train wrote." };
            var prompt = new Option<string>("--prompt")
            {
                Description = "Text to condition on: characters for a character corpus, words for PTB (default: the corpus's end-of-line or end-of-example token).",
                HelpName = "TEXT",
            };
            var length = CommonOptions.Whole("--length", "Tokens to generate (default: 200).", 1);
            var temperature = CommonOptions.Number("--temperature", "Divides the logits before sampling; 0 picks the most probable token (default: 1).", v => v >= 0, "a number >= 0", "T");
            var topK = CommonOptions.Whole("--top-k", "Sample among the K most probable tokens only (default 0: all).", 0, "K");
            var seed = CommonOptions.Whole("--seed", "Seed of the draws (default: 1).", 0, "S");
            var command = new Command("generate", "Sample text from a trained run's checkpoint.") { runDir, prompt, length, temperature, topK, seed };
            command.SetAction(parse => RunErrors.Guard(error, () =>
            {
                var folder = RunFolder.Existing(parse.GetValue(runDir)!);
                var config = RunConfig.Read(folder.Config);
                var corpus = config.LoadCorpus();
                var vocabulary = corpus.Vocabulary;
                int[] ids;
                if (parse.GetValue(prompt) is { } text)
                {
                    if (!TryTokenize(text, vocabulary, out ids, out string? problem)) return RunErrors.Usage(error, "generate", problem!);
                }
                else if (Boundaries.FirstOrDefault(b => vocabulary.TryGetId(b, out _)) is { } boundary)
                    ids = new[] { vocabulary.Id(boundary) };
                else
                    return RunErrors.Usage(error, "generate", "This corpus has no end-of-line token to start from; give --prompt TEXT.");

                var trainer = TrainingRun.Restore(config, corpus, folder);
                var options = new SamplingOptions(parse.Or(temperature, 1f), parse.Or(topK, 0), parse.Or(seed, 1));
                var generated = new TextGenerator(trainer.Model).Generate(ids, parse.Or(length, 200), options);
                output.Write(style.Bold(vocabulary.Decode(ids)));
                output.Write(vocabulary.Separator);
                output.WriteLine(vocabulary.Decode(generated));
                return ExitCodes.Success;
            }));
            return command;
        }

        /// <summary>The prompt's ids: one per character (Unicode scalar value) for a character vocabulary, one per
        /// whitespace-separated word otherwise. A token the vocabulary lacks is named in <paramref name="problem"/>.</summary>
        public static bool TryTokenize(string text, Vocabulary vocabulary, out int[] ids, out string? problem)
        {
            IEnumerable<string> tokens = vocabulary.Separator.Length == 0
                ? text.EnumerateRunes().Select(r => r.ToString())
                : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var list = new List<int>();
            foreach (var token in tokens)
            {
                if (!vocabulary.TryGetId(token, out int id))
                {
                    ids = Array.Empty<int>();
                    problem = $"--prompt has '{Escape(token)}', which is not in the corpus's vocabulary of {vocabulary.Count} tokens; " +
                              (vocabulary.Separator.Length == 0 ? "use characters of the training text." : "use words of the training text (PTB spells rare words <unk>).");
                    return false;
                }
                list.Add(id);
            }
            ids = list.ToArray();
            problem = ids.Length == 0 ? "--prompt is empty; give at least one token, or leave it out to start at a line's end." : null;
            return ids.Length > 0;
        }

        private static string Escape(string token)
        {
            var s = new StringBuilder();
            foreach (var r in token.EnumerateRunes())
                s.Append(Rune.IsControl(r) ? $"U+{r.Value:X4}" : r.ToString());
            return s.ToString();
        }
    }
}
