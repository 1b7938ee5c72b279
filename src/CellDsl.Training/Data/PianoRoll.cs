using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace CellDsl.Training.Data
{
    /// <summary>
    /// One split of a polyphonic corpus: each sequence (a chorale) is a piano roll [T, 88], frame t's note k being 1
    /// when MIDI note <see cref="PianoRoll.LowestNote"/> + k sounds at step t and 0 otherwise.
    /// </summary>
    public sealed class PianoRollSplit
    {
        private readonly float[][] _sequences;

        /// <summary>A split of <paramref name="sequences"/>, each [T, 88] with T ≥ 1 (a generated corpus, or a reader's).</summary>
        public PianoRollSplit(string name, string source, IReadOnlyList<float[]> sequences)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(source);
            ArgumentNullException.ThrowIfNull(sequences);
            if (sequences.Count == 0) throw new ArgumentException($"{source}: a split needs at least one sequence.", nameof(sequences));
            for (int i = 0; i < sequences.Count; i++)
                if (sequences[i] is not { Length: > 0 } s || s.Length % PianoRoll.Notes != 0)
                    throw new ArgumentException($"{source}: sequence {i} holds {sequences[i]?.Length ?? 0} values, not T >= 1 frames of {PianoRoll.Notes} notes.", nameof(sequences));
            Name = name;
            Source = source;
            _sequences = sequences.ToArray();
            Frames = _sequences.Sum(s => s.Length / PianoRoll.Notes);
            Longest = _sequences.Max(s => s.Length / PianoRoll.Notes);
        }

        public string Name { get; }

        /// <summary>Where it was read from, for messages: "file (split)".</summary>
        public string Source { get; }

        /// <summary>Sequence i as [T_i, 88] frames, time-major.</summary>
        public IReadOnlyList<float[]> Sequences => _sequences;

        public int Count => _sequences.Length;

        /// <summary>Time steps over all sequences.</summary>
        public int Frames { get; }

        /// <summary>Steps of the longest sequence.</summary>
        public int Longest { get; }

        public int Length(int sequence) => _sequences[sequence].Length / PianoRoll.Notes;
    }

    /// <summary>A polyphonic music corpus as piano rolls: train, valid and test splits.</summary>
    public sealed record PianoRollCorpus(PianoRollSplit Train, PianoRollSplit Valid, PianoRollSplit Test);

    /// <summary>
    /// Reads polyphonic music in the JSON piano-roll form of the JSB chorales (Boulanger-Lewandowski et al. 2012's
    /// split, as czhuang/JSB-Chorales-dataset publishes it): an object with "train", "valid" and "test", each a list of
    /// chorales, each a list of time steps, each a list of the MIDI note numbers sounding then (an empty list is a
    /// silent step). Frames span the piano, MIDI 21..108, as in Boulanger-Lewandowski et al.'s 88-unit input.
    /// </summary>
    public static class PianoRoll
    {
        public const int LowestNote = 21, HighestNote = 108, Notes = HighestNote - LowestNote + 1;

        /// <summary>The splits a file must hold, in order.</summary>
        public static readonly IReadOnlyList<string> SplitNames = new[] { "train", "valid", "test" };

        /// <summary>Where the JSB chorales sit under a data folder (the CELLDSL_DATA layout).</summary>
        public static readonly string JsbChoralesFile = Path.Combine("music", "jsb_chorales", "jsb-chorales-quarter.json");

        /// <summary>Reads a piano-roll JSON file; every problem is a <see cref="DataFormatException"/> naming the file
        /// and, for bad content, the split, chorale and step (0-based, as the JSON lists count).</summary>
        public static PianoRollCorpus Load(string path)
        {
            string text = TextFile.Read(path);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            }
            catch (JsonException e)
            {
                int? line = e.LineNumber is long l ? (int)l + 1 : null;
                int? column = e.BytePositionInLine is long b ? (int)b + 1 : null;
                throw new DataFormatException(path, line, column, $"The file is not valid JSON ({FirstSentence(e.Message)}).",
                    "A piano roll is a JSON object {\"train\": [...], \"valid\": [...], \"test\": [...]} of chorales, each a list of steps, each a list of MIDI note numbers.");
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw Bad(path, $"The top level is a JSON {Kind(root)}, not an object.", "It must be {\"train\": [...], \"valid\": [...], \"test\": [...]}.");
                var splits = new PianoRollSplit[SplitNames.Count];
                for (int s = 0; s < splits.Length; s++)
                {
                    string name = SplitNames[s];
                    if (!root.TryGetProperty(name, out var split))
                        throw Bad(path, $"There is no \"{name}\" split (the object holds {Keys(root)}).", "A piano-roll file needs \"train\", \"valid\" and \"test\".");
                    splits[s] = ReadSplit(path, name, split);
                }
                return new PianoRollCorpus(splits[0], splits[1], splits[2]);
            }
        }

        private static PianoRollSplit ReadSplit(string path, string name, JsonElement split)
        {
            if (split.ValueKind != JsonValueKind.Array)
                throw Bad(path, $"\"{name}\" is a JSON {Kind(split)}, not a list of chorales.", "Each split is a list of chorales.");
            if (split.GetArrayLength() == 0)
                throw Bad(path, $"\"{name}\" holds no chorales.", "Each split needs at least one chorale.");
            var sequences = new float[split.GetArrayLength()][];
            int c = 0;
            foreach (var chorale in split.EnumerateArray())
            {
                string where = $"\"{name}\" chorale {c}";
                if (chorale.ValueKind != JsonValueKind.Array)
                    throw Bad(path, $"{where} is a JSON {Kind(chorale)}, not a list of steps.", "Each chorale is a list of time steps.");
                int steps = chorale.GetArrayLength();
                if (steps == 0)
                    throw Bad(path, $"{where} is empty.", "Each chorale needs at least one time step; remove the empty one.");
                var frames = new float[steps * Notes];
                int t = 0;
                foreach (var step in chorale.EnumerateArray())
                {
                    if (step.ValueKind != JsonValueKind.Array)
                        throw Bad(path, $"{where} step {t} is a JSON {Kind(step)}, not a list of notes.", "Each step is a list of MIDI note numbers ([] for silence).");
                    foreach (var note in step.EnumerateArray())
                    {
                        if (note.ValueKind != JsonValueKind.Number || !note.TryGetInt32(out int midi))
                            throw Bad(path, $"{where} step {t} holds {note.GetRawText()}, not a whole MIDI note number.", $"Notes are integers in {LowestNote}..{HighestNote}.");
                        if (midi < LowestNote || midi > HighestNote)
                            throw Bad(path, $"{where} step {t} holds MIDI note {midi}, outside the piano's {LowestNote}..{HighestNote}.",
                                "The piano roll has the 88 keys of a piano; transpose or drop notes outside it.");
                        frames[t * Notes + midi - LowestNote] = 1f;
                    }
                    t++;
                }
                sequences[c++] = frames;
            }
            return new PianoRollSplit(name, $"{path} ({name})", sequences);
        }

        private static DataFormatException Bad(string path, string problem, string remedy) => new(path, null, null, problem, remedy);

        private static string Kind(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "list",
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        };

        private static string Keys(JsonElement o)
        {
            var keys = o.EnumerateObject().Select(p => $"\"{p.Name}\"").ToList();
            return keys.Count == 0 ? "no keys" : string.Join(", ", keys);
        }

        private static string FirstSentence(string message)
        {
            int end = message.IndexOf(". ", StringComparison.Ordinal);
            return end < 0 ? message.TrimEnd('.') : message[..end];
        }
    }
}
