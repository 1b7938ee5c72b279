using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Search.Evaluation;
using CellDsl.Search.Search;

namespace CellDsl.Cli.Commands
{
    /// <summary>How much a search from the command line runs: steps, mutants per step, settings per task, windows per
    /// run, the memorization filter's windows and pass mark, and whether PTB is scored after Arith and XML.</summary>
    public sealed record SearchBudget(int Steps, int Mutants, int Settings, int Windows, int FilterWindows, double FilterThreshold)
    {
        /// <summary>`search run`: about a minute, the paper's 95% filter (which few mutants pass in 1,000 windows).</summary>
        public static SearchBudget Run { get; } = new(3, 2, 2, 300, 1_000, new EvaluationSettings().FilterThreshold);

        /// <summary>
        /// `search demo`: about four minutes of one core (225 s of CPU time measured on a loaded machine). At 48 units
        /// and windows of 20 × 20 no cell reaches the paper's 95% on the memorization task within a few thousand
        /// windows (the best mutants of a trial reached 64–92% in 3,000), while most mutants, or their settings, learn
        /// nothing (chance is 1/26). A 50% mark after at most 1,500 windows keeps the filter's job, refusing cells that
        /// do not learn, and lets about one mutant in ten on to Arith and XML, scored with 2 settings of 500 windows
        /// each (docs/SEARCH.md).
        /// </summary>
        public static SearchBudget Demo { get; } = new(40, 3, 2, 500, 1_500, 0.5);
    }

    /// <summary>The budget options `search run` and `search demo` share, each with its verb's defaults.</summary>
    public sealed class SearchBudgetOptions
    {
        public SearchBudgetOptions(SearchBudget defaults)
        {
            Defaults = defaults;
            Steps = CommonOptions.Positive("--steps", "Search steps in all (a resumed search runs the rest): each mutates architectures of the top N or re-evaluates one.", defaults.Steps);
            Seed = CommonOptions.Whole("--seed", "Seed of every choice the search makes (default: 1).", 0, "S");
            Mutants = CommonOptions.Positive("--mutants", "Mutants made per mutation step.", defaults.Mutants);
            Settings = CommonOptions.Positive("--settings", "Hyperparameter settings each architecture is trained with per task (the paper: 20).", defaults.Settings);
            Windows = CommonOptions.Positive("--windows", "Training windows of a task run (Arith, XML).", defaults.Windows);
            FilterWindows = CommonOptions.Positive("--filter-windows", "Training windows of the memorization filter's run.", defaults.FilterWindows);
            Threshold = CommonOptions.Number("--filter-threshold",
                string.Create(CultureInfo.InvariantCulture, $"Accuracy a mutant must reach on the memorization filter (default: {defaults.FilterThreshold}; the paper: 0.95)."),
                v => v > 0 && v <= 1, "in (0, 1]", "ACC");
            Ptb = new Option<string?>("--ptb")
            {
                Description = "Also score candidates on Penn Treebank next-word accuracy, the paper's third task, from this folder " +
                              "(ptb.train.txt, ptb.valid.txt, ptb.test.txt); --windows training windows per run.",
                HelpName = "DIR",
            };
        }

        public SearchBudget Defaults { get; }
        public Option<int> Steps { get; }
        public Option<int> Seed { get; }
        public Option<int> Mutants { get; }
        public Option<int> Settings { get; }
        public Option<int> Windows { get; }
        public Option<int> FilterWindows { get; }
        public Option<float> Threshold { get; }
        public Option<string?> Ptb { get; }

        /// <summary>Why --ptb cannot be read (naming the folder and the missing file), or null when it can or is not given.</summary>
        public string? PtbProblem(ParseResult parse)
        {
            if (parse.GetValue(Ptb) is not { } dir) return null;
            if (!Directory.Exists(dir)) return $"--ptb: there is no folder '{dir}': give the folder holding ptb.train.txt, ptb.valid.txt and ptb.test.txt.";
            foreach (var name in new[] { "ptb.train.txt", "ptb.valid.txt", "ptb.test.txt" })
                if (!File.Exists(Path.Combine(dir, name)))
                    return $"--ptb: '{dir}' has no {name}: give the folder holding Mikolov's ptb.train.txt, ptb.valid.txt and ptb.test.txt.";
            return null;
        }

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Steps, Seed, Mutants, Settings, Windows, FilterWindows, Threshold, Ptb }) command.Options.Add(option);
        }

        /// <summary>The budget as `search run` arguments: every option's value, given or default (the seed only when given).</summary>
        public IReadOnlyList<string> Arguments(ParseResult parse)
        {
            string Number(double v) => v.ToString(CultureInfo.InvariantCulture);
            var args = new List<string>();
            foreach (var option in new[] { Steps, Mutants, Settings, Windows, FilterWindows })
                args.AddRange([option.Name, Number(parse.GetValue(option))]);
            args.AddRange([Threshold.Name, parse.GetResult(Threshold) is { Implicit: false }
                ? parse.GetValue(Threshold).ToString(CultureInfo.InvariantCulture) : Number(Defaults.FilterThreshold)]);
            if (parse.GetResult(Seed) is { Implicit: false }) args.AddRange([Seed.Name, Number(parse.GetValue(Seed))]);
            if (parse.GetValue(Ptb) is { } ptb) args.AddRange([Ptb.Name, ptb]);
            return args;
        }

        /// <summary>The search's options from the command line: the given budget on the default evaluation settings.</summary>
        public SearchOptions ToOptions(ParseResult parse)
        {
            var defaults = new EvaluationSettings();
            int windows = parse.GetValue(Windows);
            var tasks = defaults.Tasks.Select(t => t with { Steps = windows }).ToList();
            // The full path goes to the store, so workers started elsewhere read the same files.
            string? ptb = parse.GetValue(Ptb) is { } dir ? Path.GetFullPath(dir) : null;
            // PTB runs on the other tasks' model size and windows; a run also scores the 73k-word validation split, so
            // its wall-time cap is larger.
            if (ptb is not null) tasks.Add(tasks[0] with { Task = "ptb", Seconds = 300 });
            return new SearchOptions
            {
                Seed = parse.Or(Seed, 1),
                MutantsPerStep = parse.GetValue(Mutants),
                Evaluation = defaults with
                {
                    Memorization = defaults.Memorization with { Steps = parse.GetValue(FilterWindows) },
                    Tasks = tasks,
                    PtbPath = ptb,
                    SettingsPerTask = parse.GetValue(Settings),
                    FilterThreshold = parse.GetResult(Threshold) is { Implicit: false } ? parse.GetValue(Threshold) : Defaults.FilterThreshold,
                },
            };
        }
    }
}
