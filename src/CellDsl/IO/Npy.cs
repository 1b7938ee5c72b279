using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace CellDsl.IO
{
    /// <summary>
    /// NumPy's .npy format (what numpy.save writes): the magic "\x93NUMPY", a version, a Python dict literal
    /// {'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), } and the raw data.
    /// Reads format versions 1.0, 2.0 and 3.0 with little-endian float16, float32 or float64 data in C order;
    /// writes version 1.0 (2.0 only when the header needs it), as numpy does.
    /// </summary>
    public static class Npy
    {
        private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

        /// <summary>Reads a .npy file; the array is named after the file (without ".npy").</summary>
        /// <exception cref="InvalidDataException">The file is not a complete .npy file of a supported type; the message names the file.</exception>
        public static NdArray Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var stream = File.OpenRead(path);
            return Read(stream, Path.GetFileNameWithoutExtension(path), path);
        }

        /// <summary>Reads one .npy array from <paramref name="stream"/>.</summary>
        /// <param name="stream">Positioned at the magic; read up to the end of the array's data.</param>
        /// <param name="name">The array's name.</param>
        /// <param name="source">Where the bytes come from (a path, or "archive.npz, entry 'w.npy'"), for messages.</param>
        public static NdArray Read(Stream stream, string name, string source)
        {
            ArgumentNullException.ThrowIfNull(stream);
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(source);

            var prefix = Elements.ReadUpTo(stream, 8, out int got);
            if (got >= 2 && prefix[0] == (byte)'P' && prefix[1] == (byte)'K')
                throw Bad(source, "this is a zip archive, not a single .npy array", "read .npz files with Npz.Read (or TorchImport.ReadStateDict)");
            if (got < Magic.Length || !prefix.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                throw Bad(source, got == 0 ? "the file is empty"
                        : got < Magic.Length && prefix.AsSpan(0, got).SequenceEqual(Magic.AsSpan(0, got))
                        ? $"the file ends after {got} bytes, inside the .npy magic"
                        : "it does not start with the .npy magic \\x93NUMPY, so it is not a NumPy .npy file",
                    "write arrays with numpy.save (or numpy.savez for several)");
            if (got < 8) throw Bad(source, $"the file ends after {got} bytes, before the format version", Truncated);
            int major = prefix[6], minor = prefix[7];
            if (major is < 1 or > 3 || minor != 0)
                throw Bad(source, $".npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)",
                    "save with numpy.save from a current numpy, or numpy.lib.format.write_array(f, arr, version=(1, 0))");

            int lengthBytes = major == 1 ? 2 : 4;
            var lengthField = Elements.ReadUpTo(stream, lengthBytes, out got);
            if (got < lengthBytes) throw Bad(source, "the file ends inside the header length", Truncated);
            long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
            if (headerLength > 100_000_000)
                throw Bad(source, $"the header claims {headerLength} bytes, far more than any array header needs", "the file is corrupt; save it again");
            var headerBytes = Elements.ReadUpTo(stream, (int)headerLength, out got);
            if (got < headerLength) throw Bad(source, $"the file ends after {got} of the header's {headerLength} bytes", Truncated);
            // Versions 1 and 2 encode the header in latin-1; version 3 exists to allow UTF-8.
            string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

            var (type, shape) = ParseHeader(header, source);
            long count = NdArray.ElementCount(shape) ?? throw Bad(source, $"shape {NdArray.Format(shape)} is negative or too large for one array", "split the array");
            int size = Elements.Size(type);
            if (count * size > Array.MaxLength)
                throw Bad(source, $"shape {NdArray.Format(shape)} needs {count * size} bytes, more than one array holds", "split the array into smaller ones");
            var data = Elements.ReadUpTo(stream, (int)(count * size), out got);
            if (got < count * size)
                throw Bad(source, $"the data ends after {got} of the {count * size} bytes that shape {NdArray.Format(shape)} of {Descr(type)} needs", Truncated);
            var dims = new int[shape.Length];
            for (int i = 0; i < dims.Length; i++) dims[i] = (int)shape[i];
            return new NdArray(name, dims, Elements.Decode(data, type), type);
        }

        /// <summary>Writes <paramref name="array"/> as a .npy file of its element type (bfloat16, which .npy lacks, as float32: exact).</summary>
        public static void Write(string path, NdArray array)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var stream = File.Create(path);
            Write(stream, array);
        }

        /// <summary>Writes <paramref name="array"/> to <paramref name="stream"/> in .npy format.</summary>
        public static void Write(Stream stream, NdArray array)
        {
            ArgumentNullException.ThrowIfNull(stream);
            ArgumentNullException.ThrowIfNull(array);
            var type = array.ElementType == ElementType.BFloat16 ? ElementType.Float32 : array.ElementType;
            string shape = array.Rank == 1 ? $"({array.Shape[0]},)" : "(" + string.Join(", ", array.Shape) + ")";
            string dict = $"{{'descr': '{Descr(type)}', 'fortran_order': False, 'shape': {shape}, }}";
            // numpy pads the header with spaces and a newline so the data starts 64-byte aligned.
            int major = 10 + dict.Length + 1 <= ushort.MaxValue ? 1 : 2;
            int fixedPart = major == 1 ? 10 : 12;
            int padded = (fixedPart + dict.Length + 1 + 63) / 64 * 64;
            string header = dict + new string(' ', padded - fixedPart - dict.Length - 1) + "\n";
            var headerBytes = Encoding.Latin1.GetBytes(header);

            stream.Write(Magic);
            stream.WriteByte((byte)major);
            stream.WriteByte(0);
            Span<byte> length = stackalloc byte[4];
            if (major == 1) { BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerBytes.Length); stream.Write(length[..2]); }
            else { BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerBytes.Length); stream.Write(length); }
            stream.Write(headerBytes);
            stream.Write(Elements.Encode(array.Data, type));
        }

        private const string Truncated = "the file is truncated (an interrupted write or copy?); save it again";

        internal static string Descr(ElementType type) => type switch
        {
            ElementType.Float16 => "<f2",
            ElementType.Float32 => "<f4",
            ElementType.Float64 => "<f8",
            _ => "bfloat16",
        };

        private static (ElementType, long[]) ParseHeader(string header, string source)
        {
            object? parsed;
            try { parsed = new PyLiteral(header).ParseWhole(); }
            catch (FormatException e) { throw Bad(source, $"the header is not a Python dict literal ({e.Message}): {Quote(header)}", "the file is corrupt; save it again with numpy.save"); }
            if (parsed is not Dictionary<string, object?> dict)
                throw Bad(source, $"the header is not a dict: {Quote(header)}", "the file is corrupt; save it again with numpy.save");
            foreach (var key in new[] { "descr", "fortran_order", "shape" })
                if (!dict.ContainsKey(key)) throw Bad(source, $"the header has no '{key}': {Quote(header)}", "the file is corrupt; save it again with numpy.save");

            ElementType type = dict["descr"] switch
            {
                "<f2" => ElementType.Float16,
                "<f4" => ElementType.Float32,
                "<f8" => ElementType.Float64,
                string other when other.Length == 3 && other[0] == '>' && other[1] == 'f' =>
                    throw Bad(source, $"expected little-endian float16, float32 or float64 ('<f2', '<f4', '<f8'), got big-endian '{other}'", $"save with arr.astype('<{other.Substring(1)}')"),
                string other => throw Bad(source, $"expected little-endian float16, float32 or float64 ('<f2', '<f4', '<f8'), got '{other}'", "save with arr.astype('<f4') (or '<f8')"),
                List<object?> => throw Bad(source, "the array has a structured dtype (named fields)", "save each field as its own float array"),
                var other => throw Bad(source, $"the header's 'descr' is {Show(other)}, not a dtype string", "the file is corrupt; save it again with numpy.save"),
            };
            if (dict["fortran_order"] is not bool fortran)
                throw Bad(source, $"the header's 'fortran_order' is {Show(dict["fortran_order"])}, not True or False", "the file is corrupt; save it again with numpy.save");
            if (fortran)
                throw Bad(source, "the array is stored in Fortran (column-major) order; only C order is read",
                    "save a C-ordered copy: numpy.save(path, numpy.ascontiguousarray(arr))");
            if (dict["shape"] is not List<object?> dims)
                throw Bad(source, $"the header's 'shape' is {Show(dict["shape"])}, not a tuple", "the file is corrupt; save it again with numpy.save");
            var shape = new long[dims.Count];
            for (int i = 0; i < shape.Length; i++)
                shape[i] = dims[i] is long d && d >= 0 ? d
                    : throw Bad(source, $"the header's shape has {Show(dims[i])} at position {i}, not a size", "the file is corrupt; save it again with numpy.save");
            return (type, shape);
        }

        private static string Quote(string header) => "\"" + header.Trim() + "\"";

        private static string Show(object? value) => value switch
        {
            null => "None",
            string s => "'" + s + "'",
            bool b => b ? "True" : "False",
            List<object?> => "a list",
            Dictionary<string, object?> => "a dict",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
        };

        internal static InvalidDataException Bad(string source, string what, string fix) => new($"{source}: {what}; {fix}.");

        /// <summary>
        /// The subset of Python literals .npy headers use: dicts, tuples, lists, strings, integers, True, False, None.
        /// Values come back as Dictionary&lt;string, object?&gt;, List&lt;object?&gt; (tuples too), string, long, bool, null.
        /// </summary>
        private sealed class PyLiteral(string text)
        {
            private int _at;

            public object? ParseWhole()
            {
                var value = Value();
                Space();
                if (_at != text.Length) throw new FormatException($"unexpected '{text[_at]}' at character {_at}");
                return value;
            }

            private object? Value()
            {
                Space();
                if (_at >= text.Length) throw new FormatException("it ends early");
                char c = text[_at];
                switch (c)
                {
                    case '{':
                        {
                            _at++;
                            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                            while (!Closes('}'))
                            {
                                if (Value() is not string key) throw new FormatException("a dict key is not a string");
                                Space();
                                Expect(':');
                                if (!dict.TryAdd(key, Value())) throw new FormatException($"key '{key}' appears twice");
                                if (!Comma('}')) break;
                            }
                            Expect('}');
                            return dict;
                        }
                    case '(':
                    case '[':
                        {
                            char close = c == '(' ? ')' : ']';
                            _at++;
                            var list = new List<object?>();
                            while (!Closes(close))
                            {
                                list.Add(Value());
                                if (!Comma(close)) break;
                            }
                            Expect(close);
                            return list;
                        }
                    case '\'':
                    case '"':
                        return String(c);
                }
                if (c == '-' || char.IsAsciiDigit(c))
                {
                    int start = _at++;
                    while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                    if (!long.TryParse(text.AsSpan(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                        throw new FormatException($"'{text.Substring(start, _at - start)}' is not an integer");
                    if (_at < text.Length && text[_at] == 'L') _at++; // Python 2 long literals, as old numpy wrote shapes
                    return n;
                }
                foreach (var (word, value) in new (string, object?)[] { ("True", true), ("False", false), ("None", null) })
                    if (string.CompareOrdinal(text, _at, word, 0, word.Length) == 0) { _at += word.Length; return value; }
                throw new FormatException($"unexpected '{c}' at character {_at}");
            }

            private string String(char quote)
            {
                var sb = new StringBuilder();
                _at++;
                while (true)
                {
                    if (_at >= text.Length) throw new FormatException("a string is not closed");
                    char c = text[_at++];
                    if (c == quote) return sb.ToString();
                    if (c == '\\')
                    {
                        if (_at >= text.Length) throw new FormatException("a string is not closed");
                        c = text[_at++];
                    }
                    sb.Append(c);
                }
            }

            private void Space() { while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++; }

            private bool Closes(char close) { Space(); return _at < text.Length && text[_at] == close; }

            /// <summary>After an element: consumes a comma and says whether more may follow.</summary>
            private bool Comma(char close)
            {
                Space();
                if (_at < text.Length && text[_at] == ',') { _at++; return true; }
                if (_at < text.Length && text[_at] == close) return false;
                throw new FormatException(_at < text.Length ? $"expected ',' or '{close}' at character {_at}, got '{text[_at]}'" : "it ends early");
            }

            private void Expect(char c)
            {
                Space();
                if (_at >= text.Length) throw new FormatException($"it ends before '{c}'");
                if (text[_at] != c) throw new FormatException($"expected '{c}' at character {_at}, got '{text[_at]}'");
                _at++;
            }
        }
    }
}
