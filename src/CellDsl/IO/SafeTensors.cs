using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace CellDsl.IO
{
    /// <summary>
    /// The safetensors format: an unsigned 64-bit little-endian header size N, N bytes of UTF-8 JSON
    /// {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "value"}},
    /// then the tensors' little-endian bytes, offsets counted from the end of the header.
    /// Reads F16, BF16, F32 and F64 tensors; writes each tensor as its element type.
    /// </summary>
    public static class SafeTensors
    {
        private const string MetadataKey = "__metadata__";

        /// <summary>The reference implementation's limit: a larger header means a damaged or hostile file.</summary>
        private const long MaxHeader = 100_000_000;

        /// <summary>Reads every tensor of a .safetensors file, keyed by name, in header order.</summary>
        /// <exception cref="InvalidDataException">The file is not a complete safetensors file of supported types; the message names the file.</exception>
        public static IReadOnlyDictionary<string, NdArray> Read(string path)
        {
            var (header, data) = Load(path, headerOnly: false);
            var tensors = new Dictionary<string, NdArray>(StringComparer.Ordinal);
            foreach (var t in header.Tensors)
            {
                var bytes = data.AsSpan((int)t.Begin, (int)(t.End - t.Begin));
                tensors.Add(t.Name, new NdArray(t.Name, t.Shape, Elements.Decode(bytes, t.Type), t.Type));
            }
            return tensors;
        }

        /// <summary>The header's "__metadata__" (string to string; empty when absent), reading only the header.</summary>
        public static IReadOnlyDictionary<string, string> ReadMetadata(string path) => Load(path, headerOnly: true).Header.Metadata;

        /// <summary>Writes the tensors (names unique) with optional string metadata; the header is padded so the data starts 8-byte aligned.</summary>
        public static void Write(string path, IEnumerable<NdArray> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(tensors);
            var list = tensors.ToList();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in list)
            {
                ArgumentNullException.ThrowIfNull(t, nameof(tensors));
                if (t.Name == MetadataKey) throw new ArgumentException($"A tensor cannot be named '{MetadataKey}'; pass metadata separately.", nameof(tensors));
                if (!names.Add(t.Name)) throw new ArgumentException($"Two tensors are named '{t.Name}'; safetensors names must be unique.", nameof(tensors));
            }

            var json = new MemoryStream();
            using (var w = new Utf8JsonWriter(json))
            {
                w.WriteStartObject();
                if (metadata is { Count: > 0 })
                {
                    w.WriteStartObject(MetadataKey);
                    foreach (var (k, v) in metadata) w.WriteString(k, v);
                    w.WriteEndObject();
                }
                long offset = 0;
                foreach (var t in list)
                {
                    long size = (long)t.Length * Elements.Size(t.ElementType);
                    w.WriteStartObject(t.Name);
                    w.WriteString("dtype", Code(t.ElementType));
                    w.WriteStartArray("shape");
                    foreach (int d in t.Shape) w.WriteNumberValue(d);
                    w.WriteEndArray();
                    w.WriteStartArray("data_offsets");
                    w.WriteNumberValue(offset);
                    w.WriteNumberValue(offset + size);
                    w.WriteEndArray();
                    w.WriteEndObject();
                    offset += size;
                }
                w.WriteEndObject();
            }
            int pad = (int)((8 - (8 + json.Length) % 8) % 8);
            for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');

            using var file = File.Create(path);
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
            file.Write(length);
            json.Position = 0;
            json.CopyTo(file);
            foreach (var t in list) file.Write(Elements.Encode(t.Data, t.ElementType));
        }

        private static string Code(ElementType type) => type switch
        {
            ElementType.Float16 => "F16",
            ElementType.BFloat16 => "BF16",
            ElementType.Float32 => "F32",
            _ => "F64",
        };

        private sealed record Entry(string Name, ElementType Type, int[] Shape, long Begin, long End);

        private sealed record Header(IReadOnlyList<Entry> Tensors, IReadOnlyDictionary<string, string> Metadata);

        private static (Header Header, byte[] Data) Load(string path, bool headerOnly)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var file = File.OpenRead(path);
            long fileLength = file.Length;
            var prefix = Elements.ReadUpTo(file, 8, out int got);
            if (got < 8)
                throw Npy.Bad(path, got == 0 ? "the file is empty" : $"the file has {got} bytes, fewer than the 8 of the header size",
                    got == 0 ? "save the tensors again (safetensors.torch.save_file)" : Truncated);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (n > (ulong)(fileLength - 8))
                throw Npy.Bad(path, $"the header size says {n} bytes but only {fileLength - 8} follow", n > MaxHeader ? NotSafeTensors : Truncated);
            if (n > MaxHeader)
                throw Npy.Bad(path, $"the header size says {n} bytes, more than the format's limit of {MaxHeader}", NotSafeTensors);
            var headerBytes = Elements.ReadUpTo(file, (int)n, out _);
            long bufferLength = fileLength - 8 - (long)n;
            var header = ParseHeader(path, headerBytes, bufferLength);
            if (headerOnly) return (header, Array.Empty<byte>());
            if (bufferLength > Array.MaxLength)
                throw Npy.Bad(path, $"the tensors take {bufferLength} bytes, more than one array holds", "split the file into smaller ones");
            var data = Elements.ReadUpTo(file, (int)bufferLength, out got);
            if (got < bufferLength) throw Npy.Bad(path, $"the file ended after {got} of {bufferLength} data bytes while being read", Truncated);
            return (header, data);
        }

        private const string Truncated = "the file is truncated (an interrupted write or copy?); save it again";
        private const string NotSafeTensors = "this is not a safetensors file, or it is damaged; save the tensors again (safetensors.torch.save_file)";

        private static Header ParseHeader(string path, byte[] headerBytes, long bufferLength)
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(headerBytes); }
            catch (JsonException e) { throw Npy.Bad(path, $"the header is not valid JSON ({e.Message.TrimEnd('.')})", NotSafeTensors); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw Npy.Bad(path, $"the header is a JSON {doc.RootElement.ValueKind}, not an object", NotSafeTensors);
                var tensors = new List<Entry>();
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(property.Name)) throw Npy.Bad(path, $"the header names '{property.Name}' twice", NotSafeTensors);
                    if (property.Name == MetadataKey)
                    {
                        if (property.Value.ValueKind != JsonValueKind.Object)
                            throw Npy.Bad(path, $"'{MetadataKey}' is a JSON {property.Value.ValueKind}, not an object of strings", NotSafeTensors);
                        foreach (var m in property.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                                : throw Npy.Bad(path, $"metadata '{m.Name}' is a JSON {m.Value.ValueKind}; safetensors metadata values are strings", "store it as a string, e.g. json.dumps(value)");
                        continue;
                    }
                    tensors.Add(ParseEntry(path, property));
                }

                // The format requires the tensors to tile the data exactly: no overlaps, no holes, nothing after.
                long expected = 0;
                foreach (var t in tensors.OrderBy(t => t.Begin))
                {
                    if (t.Begin != expected)
                        throw Npy.Bad(path, t.Begin < expected ? $"tensor '{t.Name}' (bytes {t.Begin}..{t.End}) overlaps another tensor" : $"bytes {expected}..{t.Begin} of the data belong to no tensor", NotSafeTensors);
                    expected = t.End;
                }
                if (expected != bufferLength)
                    throw Npy.Bad(path, expected > bufferLength
                        ? $"the header places tensors up to byte {expected} of the data, but the file holds only {bufferLength} data bytes"
                        : $"the file has {bufferLength - expected} data bytes after the last tensor", expected > bufferLength ? Truncated : NotSafeTensors);
                return new Header(tensors, metadata);
            }
        }

        private static Entry ParseEntry(string path, JsonProperty property)
        {
            string name = property.Name;
            var v = property.Value;
            string what = $"tensor '{name}'";
            if (v.ValueKind != JsonValueKind.Object) throw Npy.Bad(path, $"{what} is a JSON {v.ValueKind}, not an object", NotSafeTensors);
            if (!v.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
                throw Npy.Bad(path, $"{what} has no \"dtype\" string", NotSafeTensors);
            var type = dtype.GetString() switch
            {
                "F16" => ElementType.Float16,
                "BF16" => ElementType.BFloat16,
                "F32" => ElementType.Float32,
                "F64" => ElementType.Float64,
                var other => throw Npy.Bad(path, $"{what} has dtype {other}; expected F16, BF16, F32 or F64", "convert it before saving, e.g. tensor.float()"),
            };
            if (!v.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
                throw Npy.Bad(path, $"{what} has no \"shape\" array", NotSafeTensors);
            var shape = new List<long>();
            foreach (var d in shapeJson.EnumerateArray())
                shape.Add(d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long x) && x >= 0 ? x
                    : throw Npy.Bad(path, $"{what} has shape {shapeJson.GetRawText()}, whose entries are not all sizes", NotSafeTensors));
            if (!v.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
                || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
                throw Npy.Bad(path, $"{what} has no valid \"data_offsets\" [begin, end]", NotSafeTensors);
            long count = NdArray.ElementCount(shape)
                ?? throw Npy.Bad(path, $"{what} has shape {NdArray.Format(shape)}, too large for one array", "split the tensor");
            long size = count * Elements.Size(type);
            if (end - begin != size)
                throw Npy.Bad(path, $"{what} spans {end - begin} bytes ({begin}..{end}), but {type} of shape {NdArray.Format(shape)} takes {size}", NotSafeTensors);
            var dims = shape.Select(d => (int)d).ToArray();
            return new Entry(name, type, dims, begin, end);
        }
    }
}
