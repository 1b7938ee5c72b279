using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Cli.Checking;
using CellDsl.Cli.Rendering;
using CellDsl.Cli.Runs;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Data.Tasks;
using CellDsl.Training.Models;
using CellDsl.Training.Optimizers;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl train`: trains a language model on a corpus into a run folder, or resumes one.</summary>
    public static class TrainCommand
    {
        /// <summary>Names a folder holding ptb/ (and tinyshakespeare/): where --corpus ptb is read from without --data.</summary>
        public const string DataVariable = "CELLDSL_DATA";

        public static Command Create(TextWriter output, TextWriter error, TextStyle style)
        {
            var corpus = CommonOptions.OneOf("--corpus", "What to train on (default: the preset's).", Corpora.Names.Append(Corpora.Jsb).ToArray(), "NAME");
            var data = new Option<string>("--data")
            {
                Description = $"The PTB folder (ptb.train.txt, ptb.valid.txt, ptb.test.txt), a UTF-8 text file or folder for --corpus text, or the JSB chorales' " +
                              $"JSON file (or a folder holding {PianoRoll.JsbChoralesFile}) for --corpus jsb. PTB is also found as ${DataVariable}/ptb, JSB under ${DataVariable}.",
                HelpName = "PATH",
            };
            var preset = CommonOptions.OneOf("--preset", "Starting hyperparameters: Zaremba et al. 2014's PTB configs or a task's (default: the corpus's own; small for ptb and text).", Presets.Names, "NAME");
            var cell = CommonOptions.CellList("--cell", "The cell of each layer, bottom first: a zoo name or a .cs file declaring an [RnnCell] class " +
                                                        "(a cell `search export` wrote, or your own); one is used for every layer (default: lstm).");
            var match = new Option<string>("--match")
            {
                Description = "Instead of --hidden: the hidden size whose whole model (embedding, layers, decoder) has the parameter count closest " +
                              "to this zoo cell's at H units, as the search matches cells (e.g. gru:148).",
                HelpName = "CELL:H",
            };
            var layers = CommonOptions.Whole("--layers", "Recurrent layers.", 1);
            var hidden = CommonOptions.Whole("--hidden", "Units per layer (and the embedding size).", 1);
            var steps = CommonOptions.Whole("--steps", "T: steps of truncated BPTT per window.", 1, "T");
            var batch = CommonOptions.Whole("--batch", "B: parallel streams.", 1, "B");
            var epochs = CommonOptions.Whole("--epochs", "Passes over the training split (with --resume: extends the run).", 1);
            var lr = CommonOptions.Number("--lr", "Learning rate, of the loss summed over a window's steps and averaged over the batch.", v => v > 0, "a positive number", "RATE");
            var constant = CommonOptions.Whole("--constant-epochs", "Epochs at the initial rate before it decays.", 0);
            var decay = CommonOptions.Number("--decay", "The rate is divided by this each epoch after the constant ones.", v => v >= 1, "a number >= 1 (1: constant rate)", "D");
            var clip = CommonOptions.Number("--clip", "Global gradient norm clip.", v => v >= 0, "a number >= 0 (0: no clipping)", "NORM");
            var initScale = CommonOptions.Number("--init-scale", "s of the uniform init U[-s, s].", v => v >= 0, "a number >= 0", "S");
            var dropout = CommonOptions.Number("--dropout", "Dropout on the non-recurrent connections.", v => v >= 0 && v < 1, "in [0, 1)", "P");
            var tie = new Option<bool>("--tie") { Description = "Tie the decoder's weights to the embedding (Press & Wolf 2017)." };
            var optimizer = CommonOptions.OneOf("--optimizer", "The optimizer.", new[] { "sgd", "adam" }, "NAME");
            var seed = CommonOptions.Whole("--seed", "Seed of the init, the dropout masks and a generated task (default: 1).", 0, "S");
            var evalEvery = CommonOptions.Whole("--eval-every", "Also evaluate every N steps of each epoch, counted from its start (default: the preset's; 0: at each epoch's end only).", 0);
            var taskTokens = CommonOptions.Whole("--task-tokens", "Training symbols of a generated task; valid and test get a tenth each (default: the preset's).", 2);
            var run = new Option<string>("--run") { Description = "The run folder to write (default: runs/<corpus>-<cells>-<UTC time>).", HelpName = "DIR" };
            var resume = new Option<string>("--resume") { Description = "Continue the run in DIR from its checkpoint, bit-identically; only --epochs may be given with it.", HelpName = "DIR" };

            Option[] settings = { corpus, data, preset, cell, layers, hidden, match, steps, batch, lr, constant, decay, clip, initScale, dropout, tie, optimizer, seed, evalEvery, taskTokens, run };
            var command = new Command("train", "Train a language model on a corpus or generated task, writing config, metrics, checkpoint and curves to a run folder.");
            foreach (var option in settings) command.Options.Add(option);
            command.Options.Add(epochs);
            command.Options.Add(resume);

            command.SetAction(parse => RunErrors.Guard(error, () =>
            {
                if (parse.GetValue(resume) is { } resumeDir)
                {
                    var given = settings.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                    if (given.Count > 0)
                        return RunErrors.Usage(error, "train", $"--resume continues the run as its config.json says; drop {string.Join(", ", given)} (only --epochs may change).");
                    var folder = RunFolder.Existing(resumeDir);
                    if (PianoRollRunConfig.Describes(folder.Config))
                    {
                        var music = PianoRollRunConfig.Read(folder.Config);
                        return TrainPianoRoll(music with { Trainer = music.Trainer with { Epochs = parse.Or(epochs, music.Trainer.Epochs) } }, folder, resuming: true, output, error, style);
                    }
                    var saved = RunConfig.Read(folder.Config);
                    var extended = saved with { Trainer = saved.Trainer with { Epochs = parse.Or(epochs, saved.Trainer.Epochs) } };
                    return Train(extended, folder, resuming: true, output, error, style);
                }

                var chosen = parse.GetValue(preset) is { } p ? Presets.Find(p)! : null;
                string? corpusName = parse.GetValue(corpus) ?? chosen?.Corpus;
                if (corpusName is null)
                    return RunErrors.Usage(error, "train", $"Say what to train on: --corpus NAME ({string.Join(", ", Corpora.Names.Append(Corpora.Jsb))}) or --preset NAME ({string.Join(", ", Presets.Names)}).");
                var from = chosen ?? Presets.DefaultFor(corpusName);
                bool isTask = corpusName is not ("ptb" or "text" or Corpora.Jsb);

                string? path = parse.GetValue(data);
                if (isTask && path != null)
                    return RunErrors.Usage(error, "train", $"--corpus {corpusName} is generated from --seed and reads no files; drop --data {path}.");
                if (!isTask && parse.GetResult(taskTokens) is { Implicit: false })
                    return RunErrors.Usage(error, "train", $"--task-tokens sizes the generated tasks; --corpus {corpusName} is as long as its files.");
                if (corpusName is "ptb" or Corpora.Jsb && path == null && Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } root)
                    path = corpusName == "ptb" ? Path.Combine(root, "ptb") : root;
                if (!isTask && path == null)
                    return RunErrors.Usage(error, "train", corpusName switch
                    {
                        "ptb" => $"--corpus ptb needs the folder with ptb.train.txt, ptb.valid.txt and ptb.test.txt: give --data PATH or set {DataVariable} to a folder holding ptb/.",
                        Corpora.Jsb => $"--corpus jsb needs the chorales: give --data PATH (their JSON file, or a folder holding {PianoRoll.JsbChoralesFile}) or set {DataVariable} to such a folder.",
                        _ => "--corpus text needs --data PATH: a UTF-8 text file (split 90/5/5) or a folder with train.txt, valid.txt and test.txt.",
                    });

                var cells = parse.GetValue(cell) is { Length: > 0 } named ? named : new[] { "lstm" };
                int layerCount = parse.Or(layers, cells.Length > 1 ? cells.Length : from.Layers);
                if (cells.Length == 1) cells = Enumerable.Repeat(cells[0], layerCount).ToArray();
                else if (cells.Length != layerCount)
                    return RunErrors.Usage(error, "train", $"--cell names {cells.Length} cells but --layers is {layerCount}: give one cell for every layer, or one for all.");
                var sources = new Dictionary<string, string>(StringComparer.Ordinal);
                for (int l = 0; l < cells.Length; l++)
                {
                    if (!CellFiles.IsPath(cells[l])) continue;
                    var (read, warnings) = CellFiles.Read(cells[l]);
                    foreach (string w in warnings) error.WriteLine(w);
                    if (sources.TryGetValue(read.Label, out string? other) && other != read.Source)
                        return RunErrors.Usage(error, "train", $"Two different cells are named {read.Label} ({cells[l]} and another --cell file); rename one class.");
                    sources[read.Label] = read.Source;
                    cells[l] = read.Label;
                }

                MatchTarget? matched = null;
                if (parse.GetValue(match) is { } spec)
                {
                    if (parse.GetResult(hidden) is { Implicit: false })
                        return RunErrors.Usage(error, "train", "--match chooses the hidden size; drop --hidden, or --match.");
                    if (parse.Or(tie, false))
                        return RunErrors.Usage(error, "train", "--match counts an untied decoder, as the search does; drop --tie, or --match.");
                    if (cells.Distinct().Count() > 1)
                        return RunErrors.Usage(error, "train", "--match sizes a model of one cell in every layer; give one --cell.");
                    if (MatchTarget.Parse(spec) is not { } target)
                        return RunErrors.Usage(error, "train", $"--match must be CELL:H, a zoo cell and its hidden size (e.g. gru:148), got '{spec}'.");
                    matched = target;
                }

                int s = parse.Or(seed, 1);
                // Both trainers take the same schedule, clip, optimizer and seed: the command line over the preset.
                T Optimization<T>(T options) where T : OptimizationOptions => (T)((OptimizationOptions)options with
                {
                    Epochs = parse.Or(epochs, from.Epochs),
                    LearningRate = parse.Or(lr, from.LearningRate),
                    ConstantEpochs = parse.Or(constant, from.ConstantEpochs),
                    Decay = parse.Or(decay, from.Decay),
                    ClipNorm = parse.Or(clip, from.Clip),
                    Optimizer = parse.Or(optimizer, from.Optimizer),
                    Seed = s,
                });
                if (corpusName == Corpora.Jsb)
                {
                    // Chorales are whole sequences fed as frames: no window length, no embedding to tie.
                    foreach (var (option, why) in new (Option, string)[] { (steps, "each chorale is one whole sequence, not cut into windows"), (tie, "the input is the frame itself, not an embedding") })
                        if (parse.GetResult(option) is { Implicit: false })
                            return RunErrors.Usage(error, "train", $"--corpus jsb takes no {option.Name}: {why}.");
                    var music = new PianoRollRunConfig
                    {
                        Data = Path.GetFullPath(Directory.Exists(path) ? Path.Combine(path!, PianoRoll.JsbChoralesFile) : path!),
                        EvaluateEvery = parse.Or(evalEvery, from.EvaluateEvery),
                        Preset = from.Name,
                        Model = new PianoRollModelConfig
                        {
                            HiddenSize = parse.Or(hidden, from.Hidden),
                            Cells = cells,
                            InitScale = parse.Or(initScale, from.InitScale),
                            Dropout = parse.Or(dropout, from.Dropout),
                            Seed = s,
                        },
                        Trainer = Optimization(new PianoRollTrainerOptions { Batch = parse.Or(batch, from.Batch) }),
                    };
                    return InNewFolder(parse.GetValue(run), corpusName, cells, error, folder => TrainPianoRoll(music, folder, resuming: false, output, error, style));
                }
                int tokens = parse.Or(taskTokens, from.TaskTokens > 0 ? from.TaskTokens : 500_000);
                var config = new RunConfig
                {
                    Corpus = corpusName,
                    Data = path is null ? null : Path.GetFullPath(path),
                    Sizes = isTask ? new TaskSizes(tokens, Math.Max(2, tokens / 10), Math.Max(2, tokens / 10)) : null,
                    CorpusSeed = s,
                    EvaluateEvery = parse.Or(evalEvery, from.EvaluateEvery),
                    Preset = from.Name,
                    CellSources = sources.Count > 0 ? sources : null,
                    Model = new LanguageModelConfig
                    {
                        VocabularySize = 1,   // set from the corpus once it is read
                        HiddenSize = parse.Or(hidden, from.Hidden),
                        Cells = cells,
                        InitScale = parse.Or(initScale, from.InitScale),
                        Dropout = parse.Or(dropout, from.Dropout),
                        TieWeights = parse.Or(tie, false),
                        Seed = s,
                    },
                    Trainer = Optimization(new TrainerOptions { Steps = parse.Or(steps, from.Steps), Batch = parse.Or(batch, from.Batch) }),
                };
                return InNewFolder(parse.GetValue(run), corpusName, cells, error, folder => Train(config, folder, resuming: false, output, error, style, matched));
            }));
            return command;
        }

        /// <summary>--match CELL:H: a zoo cell and the hidden size whose model's parameter count a run is matched to.</summary>
        private sealed record MatchTarget(string Cell, int Hidden)
        {
            public static MatchTarget? Parse(string spec)
            {
                var parts = spec.Split(':');
                return parts.Length == 2 && ZooCatalog.Unknown(parts[0]) is null
                       && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && h > 0
                    ? new MatchTarget(parts[0], h) : null;
            }

            /// <summary>The hidden size ParameterMatching gives the run's cell (every layer's) against this target.</summary>
            public int HiddenFor(RunConfig config)
            {
                var m = config.Model;
                var graph = config.CellSources is { } sources && sources.TryGetValue(m.Cells[0], out string? source)
                    ? CellFiles.Parse(source, CellFiles.RecordedOrigin(m.Cells[0])).Graph
                    : Baselines.Of(m.Cells[0]);
                return ParameterMatching.Matched(graph, Baselines.Of(Cell), Hidden, m.Cells.Length, m.VocabularySize);
            }
        }

        private static int Train(RunConfig config, RunFolder folder, bool resuming, TextWriter output, TextWriter error, TextStyle style, MatchTarget? matched = null)
        {
            var corpus = config.LoadCorpus();
            if (!resuming) config = config with { Model = config.Model with { VocabularySize = corpus.Vocabulary.Count } };
            if (matched is not null) config = config with { Model = config.Model with { HiddenSize = matched.HiddenFor(config) } };
            TrainingRun run;
            try
            {
                run = resuming ? TrainingRun.Resume(config, corpus, folder) : TrainingRun.Start(config, corpus, folder);
            }
            catch (ArgumentException e)
            {
                // Settings the engine refuses (tied weights of unequal sizes, a corpus shorter than one batch, ...).
                return RunErrors.Usage(error, "train", e);
            }
            if (run.Trainer.Finished)
                return RunErrors.Usage(error, "train", $"{folder.Path} has trained all {config.Trainer.Epochs} epochs; give --epochs N above that to train further.");

            var m = config.Model;
            var t = config.Trainer;
            output.WriteLine(style.Bold($"{(resuming ? "resuming" : "training")} {string.Join(",", m.Cells)} {m.Cells.Length}x{m.HiddenSize} on {config.Corpus} " +
                                        $"({corpus.Vocabulary.Count} tokens, {corpus.Train.Length} training) into {folder.Path}"));
            output.WriteLine($"T {t.Steps}  B {t.Batch}  " + Settings(t, m.InitScale, m.Dropout, run.Trainer.Model.Parameters.Count, resuming ? run.Trainer.Step : null));
            output.Flush();
            return Run(run.Train, folder, output, error, style);
        }

        /// <summary>A JSB run: whole chorales, the sigmoid decoder, NLL per frame (docs/TRAINING.md, "JSB chorales").</summary>
        private static int TrainPianoRoll(PianoRollRunConfig config, RunFolder folder, bool resuming, TextWriter output, TextWriter error, TextStyle style)
        {
            var corpus = config.LoadCorpus();
            PianoRollRun run;
            try
            {
                run = resuming ? PianoRollRun.Resume(config, corpus, folder) : PianoRollRun.Start(config, corpus, folder);
            }
            catch (ArgumentException e)
            {
                // A cell that needs its input as wide as its state (MUT1's Tanh(x)) meets the 88-note frame here.
                string hint = config.Model.HiddenSize != PianoRoll.Notes
                    ? $" The first cell reads the {PianoRoll.Notes}-note frame itself: --hidden {PianoRoll.Notes} suits a cell that needs equal sizes."
                    : "";
                return RunErrors.Usage(error, "train", ZooCatalog.StripParameterName(e) + hint);
            }
            if (run.Trainer.Finished)
                return RunErrors.Usage(error, "train", $"{folder.Path} has trained all {config.Trainer.Epochs} epochs; give --epochs N above that to train further.");

            var m = config.Model;
            var t = config.Trainer;
            output.WriteLine(style.Bold($"{(resuming ? "resuming" : "training")} {string.Join(",", m.Cells)} {m.Cells.Length}x{m.HiddenSize} on {config.Corpus} " +
                                        $"({corpus.Train.Count} chorales, {corpus.Train.Frames} training frames) into {folder.Path}"));
            output.WriteLine($"B {t.Batch} chorales  " + Settings(t, m.InitScale, m.Dropout, run.Trainer.Model.Parameters.Count, resuming ? run.Trainer.Step : null));
            output.Flush();
            return Run(run.Train, folder, output, error, style);
        }

        /// <summary>The second line of a run's header: the settings both kinds of run share.</summary>
        private static string Settings(OptimizationOptions t, float initScale, float dropout, long parameters, long? fromStep)
            => $"epochs {t.Epochs}  {t.Optimizer} lr {t.LearningRate:G4} (constant {t.ConstantEpochs}, then /{t.Decay:G4})  " +
               $"clip {t.ClipNorm:G4}  init {initScale:G4}  dropout {dropout:G4}  {parameters} parameters" +
               (fromStep is { } step ? $"  from step {step}" : "");

        /// <summary>Starts a run in --run DIR (or the default folder), which must not hold one already.</summary>
        private static int InNewFolder(string? given, string corpus, string[] cells, TextWriter error, Func<RunFolder, int> train)
        {
            var folder = new RunFolder(given ?? RunFolder.DefaultPath(corpus, cells.Distinct().ToArray(), DateTime.UtcNow));
            if (File.Exists(folder.Config))
                return RunErrors.Usage(error, "train", $"{folder.Path} already holds a run: continue it with --resume {folder.Path}, or give another --run.");
            return train(folder);
        }

        private static int Run(Action<ITrainingReport> train, RunFolder folder, TextWriter output, TextWriter error, TextStyle style)
        {
            try
            {
                TrainingViews.For(output, style).Run(train);
            }
            catch (TrainingDivergedException e)
            {
                error.WriteLine(e.Message);
                error.WriteLine(File.Exists(folder.Checkpoint)
                    ? $"The last good checkpoint is {folder.Checkpoint}: celldsl train --resume {folder.Path} continues from it."
                    : "No checkpoint was written yet (the first is written at the first evaluation).");
                return ExitCodes.Failure;
            }
            output.WriteLine($"done: {folder.Metrics}, {folder.Checkpoint}, {folder.CurvesSvg}");
            return ExitCodes.Success;
        }
    }
}
