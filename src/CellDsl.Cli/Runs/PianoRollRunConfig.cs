using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Models;

namespace CellDsl.Cli.Runs
{
    /// <summary>Everything needed to rerun a piano-roll (JSB chorales) run, written to its folder as config.json.
    /// Its "Corpus" is "jsb", which is how the run verbs tell it from a language model's <see cref="RunConfig"/>.</summary>
    public sealed record PianoRollRunConfig
    {
        public string Corpus { get; init; } = "jsb";

        /// <summary>The piano-roll JSON file, as a full path.</summary>
        public required string Data { get; init; }

        /// <summary>Evaluate every this many steps as well as at each epoch's end; 0: only at epoch ends.</summary>
        public int EvaluateEvery { get; init; }

        /// <summary>The preset the run started from, for the record.</summary>
        public string? Preset { get; init; }

        public required PianoRollModelConfig Model { get; init; }
        public required PianoRollTrainerOptions Trainer { get; init; }

        public PianoRollCorpus LoadCorpus() => PianoRoll.Load(Data);

        public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, RunConfig.Json));

        /// <summary>Whether the config.json at <paramref name="path"/> is a piano-roll run's (false for anything else,
        /// which <see cref="RunConfig.Read"/> then reads or reports).</summary>
        public static bool Describes(string path)
        {
            try
            {
                return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject o
                       && o["Corpus"] is JsonValue v && v.TryGetValue(out string? corpus) && corpus == Corpora.Jsb;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>Reads a piano-roll run's config.json; a file that is not one raises <see cref="RunFolderException"/> naming it.</summary>
        public static PianoRollRunConfig Read(string path) => RunConfig.ReadJson<PianoRollRunConfig>(path, "a piano-roll run configuration");
    }
}
