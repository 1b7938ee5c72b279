using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CellDsl.Training.Models;
using CellDsl.Training.Bptt;
using CellDsl.Training.Optimizers;

namespace CellDsl.Training.Checkpoints
{
    /// <summary>The configs a checkpoint was written with: enough to build the fresh model and trainer it loads into.</summary>
    public sealed record CheckpointConfig(LanguageModelConfig Model, TrainerOptions Trainer);

    /// <summary>The configs a piano-roll checkpoint was written with.</summary>
    public sealed record PianoRollCheckpointConfig(PianoRollModelConfig Model, PianoRollTrainerOptions Trainer);

    /// <summary>A checkpoint file that cannot be read: the message names the file and what is wrong with it.</summary>
    public sealed class CheckpointException : Exception
    {
        public CheckpointException(string path, string problem) : base($"{path}: {problem}") => FilePath = path;

        public string FilePath { get; }
    }

    /// <summary>
    /// A training run's whole state in one versioned binary file (docs/CHECKPOINTS.md): the configs, every parameter,
    /// the optimizer's buffers, the dropout generator, the data position, the carried hidden states and the
    /// evaluations so far. Loading it into a fresh model and trainer built from the same configs continues the run
    /// bit-identically. Files are written atomically: a temporary file beside the target, flushed to disk, renamed.
    /// </summary>
    public static class Checkpoint
    {
        public const int Version = 1;
        private static readonly byte[] Magic = "CDSLCKPT"u8.ToArray();
        private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

        private const string ConfigTag = "CONF", ParametersTag = "PARM", OptimizerTag = "OPTM", RandomTag = "RNG ",
            PositionTag = "POS ", StatesTag = "HIDN", MetricsTag = "METR", PianoRollConfigTag = "PCNF";

        public static void Save(string path, Trainer trainer)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(trainer);
            var model = trainer.Model;
            var sections = new List<(string Tag, byte[] Payload)>
            {
                (ConfigTag, JsonSerializer.SerializeToUtf8Bytes(new CheckpointConfig(model.Config, trainer.Options), Json)),
                (ParametersTag, ParametersPayload(model.Parameters)),
                (OptimizerTag, OptimizerPayload(trainer.Optimizer)),
                (RandomTag, Write(w => w.Write(trainer.Random.State))),
                (PositionTag, Write(w => { w.Write(trainer.Epoch); w.Write(trainer.Window); w.Write(trainer.Step); })),
                (StatesTag, Write(w =>
                {
                    var stack = trainer.Workspace.Stack;
                    w.Write(stack.Cells.Count);
                    for (int l = 0; l < stack.Cells.Count; l++) WriteFloats(w, stack.CarriedState(l));
                })),
                (MetricsTag, JsonSerializer.SerializeToUtf8Bytes(trainer.History, Json)),
            };
            WriteFile(path, sections);
        }

        /// <summary>A piano-roll run's state: its configs, parameters, optimizer, dropout generator, position and
        /// evaluations. No hidden states: each sequence starts from zero ones.</summary>
        public static void Save(string path, PianoRollTrainer trainer)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(trainer);
            var sections = new List<(string Tag, byte[] Payload)>
            {
                (PianoRollConfigTag, JsonSerializer.SerializeToUtf8Bytes(new PianoRollCheckpointConfig(trainer.Model.Config, trainer.Options), Json)),
                (ParametersTag, ParametersPayload(trainer.Model.Parameters)),
                (OptimizerTag, OptimizerPayload(trainer.Optimizer)),
                (RandomTag, Write(w => w.Write(trainer.Random.State))),
                (PositionTag, Write(w => { w.Write(trainer.Epoch); w.Write(trainer.Window); w.Write(trainer.Step); })),
                (MetricsTag, JsonSerializer.SerializeToUtf8Bytes(trainer.History, Json)),
            };
            WriteFile(path, sections);
        }

        private static byte[] ParametersPayload(Layers.ParameterSet parameters) => Write(w =>
        {
            var all = new float[parameters.Count];
            parameters.CopyParametersTo(all);
            WriteFloats(w, all);
        });

        private static byte[] OptimizerPayload(IOptimizer optimizer) => Write(w =>
        {
            w.Write(optimizer.Name);
            w.Write(optimizer.Steps);
            w.Write(optimizer.State.Count);
            foreach (var buffer in optimizer.State) WriteFloats(w, buffer);
        });

        /// <summary>The header and the sections, each with its CRC-32, to a temporary file beside the target, flushed to
        /// disk, then renamed over it.</summary>
        private static void WriteFile(string path, List<(string Tag, byte[] Payload)> sections)
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoints store little-endian floats.");
            string full = Path.GetFullPath(path);
            string temp = full + ".tmp";
            try
            {
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
                {
                    var w = new BinaryWriter(file);
                    w.Write(Magic);
                    w.Write(Version);
                    w.Write(sections.Count);
                    foreach (var (tag, payload) in sections)
                    {
                        w.Write(Encoding.ASCII.GetBytes(tag));
                        w.Write((long)payload.Length);
                        w.Write(payload);
                        w.Write(Crc32.HashToUInt32(payload));
                    }
                    w.Flush();
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, full, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (File.Exists(temp)) File.Delete(temp);
                throw new CheckpointException(path, $"cannot be written ({e.Message}); the previous checkpoint there, if any, is unchanged.");
            }
        }

        /// <summary>The configs stored in the file, to build the model and trainer to load it into.</summary>
        public static CheckpointConfig ReadConfig(string path)
        {
            var sections = ReadSections(path);
            return Config(path, sections);
        }

        /// <summary>Restores a run into <paramref name="trainer"/> (a fresh one, or one being rewound), whose model
        /// and window shape must be the ones the file was written with.</summary>
        public static void Load(string path, Trainer trainer)
        {
            ArgumentNullException.ThrowIfNull(trainer);
            var sections = ReadSections(path);
            var config = Config(path, sections);
            string saved = JsonSerializer.Serialize(config.Model, Json), ours = JsonSerializer.Serialize(trainer.Model.Config, Json);
            if (saved != ours)
                throw new CheckpointException(path, $"it holds the model {saved}, but the trainer's model is {ours}. Build the model from Checkpoint.ReadConfig first.");
            if (config.Trainer.Steps != trainer.Options.Steps || config.Trainer.Batch != trainer.Options.Batch || config.Trainer.Optimizer != trainer.Options.Optimizer)
                throw new CheckpointException(path, $"it was trained with windows of T={config.Trainer.Steps}, B={config.Trainer.Batch} and {config.Trainer.Optimizer}; " +
                    $"the trainer has T={trainer.Options.Steps}, B={trainer.Options.Batch} and {trainer.Options.Optimizer}. The data position and optimizer state only resume with the same.");

            var model = trainer.Model;
            var all = ReadFloats(path, Reader(path, sections, ParametersTag), ParametersTag, model.Parameters.Count);
            var (optimizerSteps, state) = ReadOptimizer(path, sections, trainer.Optimizer);
            ulong random = Guard(path, RandomTag, Reader(path, sections, RandomTag).ReadUInt64);
            var (epoch, window, step) = ReadPosition(path, sections, trainer.Batches.Windows, "this training stream's");

            var hidden = Reader(path, sections, StatesTag);
            var stack = trainer.Workspace.Stack;
            int layers = Guard(path, StatesTag, hidden.ReadInt32);
            if (layers != stack.Cells.Count) throw new CheckpointException(path, $"it carries the states of {layers} layers, the model has {stack.Cells.Count}.");
            var carried = new float[layers][];
            for (int l = 0; l < layers; l++) carried[l] = ReadFloats(path, hidden, StatesTag, stack.CarriedState(l).Length);

            var history = ReadHistory(path, sections);

            // Everything is read and checked: only now is the trainer changed, so a bad file leaves it as it was.
            Apply(model.Parameters, all, trainer.Optimizer, optimizerSteps, state, trainer.Random, random);
            trainer.Epoch = epoch;
            trainer.Window = window;
            trainer.Step = step;
            for (int l = 0; l < layers; l++) carried[l].CopyTo(stack.CarriedState(l));
            trainer.RestoreHistory(history);
        }

        /// <summary>The configs stored in a piano-roll checkpoint, to build the model and trainer to load it into.</summary>
        public static PianoRollCheckpointConfig ReadPianoRollConfig(string path) => PianoRollConfig(path, ReadSections(path));

        /// <summary>Restores a piano-roll run into <paramref name="trainer"/>, whose model, batch size and optimizer
        /// must be the ones the file was written with.</summary>
        public static void Load(string path, PianoRollTrainer trainer)
        {
            ArgumentNullException.ThrowIfNull(trainer);
            var sections = ReadSections(path);
            var config = PianoRollConfig(path, sections);
            string saved = JsonSerializer.Serialize(config.Model, Json), ours = JsonSerializer.Serialize(trainer.Model.Config, Json);
            if (saved != ours)
                throw new CheckpointException(path, $"it holds the model {saved}, but the trainer's model is {ours}. Build the model from Checkpoint.ReadPianoRollConfig first.");
            if (config.Trainer.Batch != trainer.Options.Batch || config.Trainer.Optimizer != trainer.Options.Optimizer || config.Trainer.Seed != trainer.Options.Seed)
                throw new CheckpointException(path, $"it was trained with batches of {config.Trainer.Batch}, {config.Trainer.Optimizer} and seed {config.Trainer.Seed}; " +
                    $"the trainer has {trainer.Options.Batch}, {trainer.Options.Optimizer} and seed {trainer.Options.Seed}. The batch order and optimizer state only resume with the same.");
            var model = trainer.Model;
            var all = ReadFloats(path, Reader(path, sections, ParametersTag), ParametersTag, model.Parameters.Count);
            var (optimizerSteps, state) = ReadOptimizer(path, sections, trainer.Optimizer);
            ulong random = Guard(path, RandomTag, Reader(path, sections, RandomTag).ReadUInt64);
            var (epoch, window, step) = ReadPosition(path, sections, trainer.BatchesPerEpoch, "this training split's");
            var history = ReadHistory(path, sections);

            Apply(model.Parameters, all, trainer.Optimizer, optimizerSteps, state, trainer.Random, random);
            trainer.Epoch = epoch;
            trainer.Window = window;
            trainer.Step = step;
            trainer.RestoreHistory(history);
        }

        private static void Apply(Layers.ParameterSet parameters, float[] all, IOptimizer optimizer, long steps, float[][] state, CellRandom random, ulong randomState)
        {
            parameters.CopyParametersFrom(all);
            optimizer.Steps = steps;
            for (int i = 0; i < state.Length; i++) state[i].CopyTo(optimizer.State[i], 0);
            random.State = randomState;
        }

        private static (long Steps, float[][] State) ReadOptimizer(string path, Dictionary<string, byte[]> sections, IOptimizer into)
        {
            var optimizer = Reader(path, sections, OptimizerTag);
            string name = Guard(path, OptimizerTag, optimizer.ReadString);
            if (name != into.Name) throw new CheckpointException(path, $"its optimizer state is {name}'s, the trainer uses {into.Name}.");
            long steps = Guard(path, OptimizerTag, optimizer.ReadInt64);
            int buffers = Guard(path, OptimizerTag, optimizer.ReadInt32);
            if (buffers != into.State.Count) throw new CheckpointException(path, $"its {name} state has {buffers} buffers, expected {into.State.Count}.");
            var state = new float[buffers][];
            for (int i = 0; i < buffers; i++) state[i] = ReadFloats(path, optimizer, OptimizerTag, into.State[i].Length);
            return (steps, state);
        }

        private static (int Epoch, int Window, long Step) ReadPosition(string path, Dictionary<string, byte[]> sections, int windows, string whose)
        {
            var position = Reader(path, sections, PositionTag);
            int epoch = Guard(path, PositionTag, position.ReadInt32), window = Guard(path, PositionTag, position.ReadInt32);
            long step = Guard(path, PositionTag, position.ReadInt64);
            if (epoch < 0 || window < 0 || window >= windows || step < 0)
                throw new CheckpointException(path, $"its data position (epoch {epoch}, window {window}, step {step}) is not one of {whose} {windows} windows per epoch.");
            return (epoch, window, step);
        }

        private static Evaluation[] ReadHistory(string path, Dictionary<string, byte[]> sections)
        {
            try { return JsonSerializer.Deserialize<Evaluation[]>(Payload(path, sections, MetricsTag), Json) ?? Array.Empty<Evaluation>(); }
            catch (JsonException e) { throw new CheckpointException(path, $"its metrics section is not valid JSON ({e.Message})."); }
        }

        private static PianoRollCheckpointConfig PianoRollConfig(string path, Dictionary<string, byte[]> sections)
        {
            if (!sections.ContainsKey(PianoRollConfigTag) && sections.ContainsKey(ConfigTag))
                throw new CheckpointException(path, "it is a language model's checkpoint, not a piano-roll model's; load it into a Trainer.");
            try
            {
                return JsonSerializer.Deserialize<PianoRollCheckpointConfig>(Payload(path, sections, PianoRollConfigTag), Json)
                       ?? throw new CheckpointException(path, "its config section is empty.");
            }
            catch (JsonException e) { throw new CheckpointException(path, $"its config section is not a valid piano-roll config ({e.Message})."); }
        }

        private static byte[] Write(Action<BinaryWriter> write)
        {
            var buffer = new MemoryStream();
            using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) write(w);
            return buffer.ToArray();
        }

        private static void WriteFloats(BinaryWriter w, ReadOnlySpan<float> values)
        {
            w.Write((long)values.Length);
            w.Write(MemoryMarshal.AsBytes(values));
        }

        private static float[] ReadFloats(string path, BinaryReader r, string tag, long expected)
        {
            long n = Guard(path, tag, r.ReadInt64);
            if (n != expected) throw new CheckpointException(path, $"section {tag.Trim()} holds {n} floats where this model has {expected}.");
            var bytes = Guard(path, tag, () => r.ReadBytes(checked((int)(n * sizeof(float)))));
            if (bytes.Length != n * sizeof(float)) throw Truncated(path, tag);
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }

        private static T Guard<T>(string path, string tag, Func<T> read)
        {
            try { return read(); }
            catch (EndOfStreamException) { throw Truncated(path, tag); }
        }

        private static CheckpointException Truncated(string path, string tag) => new(path, $"section {tag.Trim()} ends early; the file is corrupt.");

        private static CheckpointConfig Config(string path, Dictionary<string, byte[]> sections)
        {
            if (!sections.ContainsKey(ConfigTag) && sections.ContainsKey(PianoRollConfigTag))
                throw new CheckpointException(path, "it is a piano-roll model's checkpoint, not a language model's; load it into a PianoRollTrainer.");
            try
            {
                return JsonSerializer.Deserialize<CheckpointConfig>(Payload(path, sections, ConfigTag), Json)
                       ?? throw new CheckpointException(path, "its config section is empty.");
            }
            catch (JsonException e) { throw new CheckpointException(path, $"its config section is not a valid config ({e.Message})."); }
        }

        private static byte[] Payload(string path, Dictionary<string, byte[]> sections, string tag)
            => sections.TryGetValue(tag, out var payload) ? payload : throw new CheckpointException(path, $"it has no {tag.Trim()} section.");

        private static BinaryReader Reader(string path, Dictionary<string, byte[]> sections, string tag)
            => new(new MemoryStream(Payload(path, sections, tag)), Encoding.UTF8);

        /// <summary>Reads the header and every section, checking the magic, the version, each length and each CRC-32.</summary>
        private static Dictionary<string, byte[]> ReadSections(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] file;
            try { file = File.ReadAllBytes(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException(path, $"cannot be read ({e.Message}).");
            }
            int header = Magic.Length + 8;
            if (file.Length < Magic.Length || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                throw new CheckpointException(path, "is not a CellDsl checkpoint (it does not start with CDSLCKPT).");
            if (file.Length < header) throw new CheckpointException(path, "ends inside its header; the file is truncated.");
            int version = BitConverter.ToInt32(file, Magic.Length), count = BitConverter.ToInt32(file, Magic.Length + 4);
            if (version != Version)
                throw new CheckpointException(path, $"is a version {version} checkpoint; this build reads version {Version}.");
            var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            long at = header;
            for (int s = 0; s < count; s++)
            {
                if (at + 12 > file.Length) throw new CheckpointException(path, $"ends inside the header of section {s + 1} of {count}; the file is truncated.");
                string tag = Encoding.ASCII.GetString(file, (int)at, 4);
                long length = BitConverter.ToInt64(file, (int)at + 4);
                at += 12;
                if (length < 0 || at + length + 4 > file.Length)
                    throw new CheckpointException(path, $"section {tag.Trim()} needs {length} bytes and its checksum, but the file ends first; the file is truncated.");
                var payload = file.AsSpan((int)at, (int)length).ToArray();
                uint crc = BitConverter.ToUInt32(file, (int)(at + length));
                if (Crc32.HashToUInt32(payload) != crc)
                    throw new CheckpointException(path, $"section {tag.Trim()} fails its CRC-32 check; the file is corrupt.");
                sections[tag] = payload;
                at += length + 4;
            }
            if (at != file.Length) throw new CheckpointException(path, $"has {file.Length - at} bytes after its last section; the file is corrupt.");
            return sections;
        }
    }
}
