using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Data.Tasks;
using CellDsl.Training.Models;

namespace CellDsl.Cli.Runs
{
    /// <summary>Everything needed to rerun a training run: the corpus, how often to evaluate, and the engine's configs.
    /// Written to the run folder as config.json.</summary>
    public sealed record RunConfig
    {
        /// <summary>A name of <see cref="Corpora.Names"/>.</summary>
        public required string Corpus { get; init; }

        /// <summary>The file or folder of a ptb or text corpus, as a full path; null for the generated tasks.</summary>
        public string? Data { get; init; }

        /// <summary>Split lengths of a generated task; null for file corpora.</summary>
        public TaskSizes? Sizes { get; init; }

        /// <summary>Seed the task is generated from.</summary>
        public long CorpusSeed { get; init; } = 1;

        /// <summary>Evaluate every this many steps as well as at each epoch's end; 0: only at epoch ends.</summary>
        public int EvaluateEvery { get; init; }

        /// <summary>The preset the run started from, for the record; the values below are what counts.</summary>
        public string? Preset { get; init; }

        public required LanguageModelConfig Model { get; init; }

        /// <summary>The DSL source of each cell of <see cref="LanguageModelConfig.Cells"/> trained from a file (train --cell
        /// PATH.cs), by its label (the class name); null when every cell is a zoo cell. Kept here so eval, generate and
        /// --resume build the same cell without the file.</summary>
        public IReadOnlyDictionary<string, string>? CellSources { get; init; }
        public required TrainerOptions Trainer { get; init; }

        internal static readonly JsonSerializerOptions Json = new()
        {
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // A kept cell source stays readable (its + and < as they are, not \u002B); the file is never HTML.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        /// <summary>The corpus this run trains on, read or generated again.</summary>
        public Corpus LoadCorpus() => Corpora.Load(Corpus, Data, CorpusSeed, Sizes);

        /// <summary>The factory of each layer's cell: a zoo cell, or a recorded source compiled in memory.</summary>
        public IReadOnlyList<Func<int, int, int, IRecurrentCell>> CellFactories() => CellFiles.Factories(Model, CellSources);

        public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

        /// <summary>Reads a config.json; a file that is not one raises <see cref="RunFolderException"/> naming it.</summary>
        public static RunConfig Read(string path)
        {
            if (File.Exists(path) && PianoRollRunConfig.Describes(path))
                throw new RunFolderException(path, "this is a JSB chorales (piano-roll) run: train --resume and eval take it, but it has no text to generate.");
            return ReadJson<RunConfig>(path, "a run configuration");
        }

        /// <summary>A config.json as <typeparamref name="T"/>; a missing file or one that is not <paramref name="what"/>
        /// raises <see cref="RunFolderException"/> naming it.</summary>
        internal static T ReadJson<T>(string path, string what) where T : class
        {
            if (!File.Exists(path)) throw new RunFolderException(path, "there is no config.json here, so this folder is not a run written by celldsl train.");
            try
            {
                return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
                       ?? throw new RunFolderException(path, "the file holds null instead of a run's configuration.");
            }
            catch (JsonException e)
            {
                throw new RunFolderException(path, $"not {what} ({e.Message}). Train the run again, or restore the file.");
            }
        }
    }
}
