using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CellDsl.Training.Data
{
    /// <summary>Reading a data file as strict UTF-8, with every failure a <see cref="DataFormatException"/>.</summary>
    internal static class TextFile
    {
        // Throws on the first invalid sequence instead of substituting U+FFFD, which would silently add a token.
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        /// <summary>The whole file as text, a leading UTF-8 byte order mark dropped.</summary>
        public static string Read(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new ArgumentException("A data file path is required (got an empty string).", nameof(path));
            if (Directory.Exists(path))
                throw new DataFormatException(path, null, null, "This is a folder, not a file.", "Name the text file itself.");
            if (!File.Exists(path))
                throw new DataFormatException(path, null, null, "The file does not exist.",
                    "Check the path (relative paths are from the current folder: " + Directory.GetCurrentDirectory() + ").");

            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DataFormatException(path, null, null, $"The file cannot be read: {e.Message}", "Check that it is readable (permissions, and under 2 GB).");
            }

            ReadOnlySpan<byte> byteOrderMark = [0xEF, 0xBB, 0xBF];
            int start = bytes.AsSpan().StartsWith(byteOrderMark) ? byteOrderMark.Length : 0;
            if (bytes.Length == start)
                throw new DataFormatException(path, null, null, "The file is empty.", "Point at a file that holds the corpus text.");
            try
            {
                return Strict.GetString(bytes, start, bytes.Length - start);
            }
            catch (DecoderFallbackException)
            {
                throw NotUtf8(path, bytes, start);
            }
        }

        /// <summary>The paths of a folder's files, each checked to exist, for corpora that come as three files.</summary>
        public static string[] InFolder(string folder, IReadOnlyList<string> names, string kind, string note)
        {
            string holds = $"{kind} holds {string.Join(", ", names)} {note}.";
            if (!Directory.Exists(folder))
                throw new DataFormatException(folder, null, null, "The folder does not exist.", holds);
            var paths = new string[names.Count];
            for (int i = 0; i < paths.Length; i++)
            {
                paths[i] = Path.Combine(folder, names[i]);
                if (!File.Exists(paths[i]))
                    throw new DataFormatException(paths[i], null, null, "The file does not exist.", holds);
            }
            return paths;
        }

        // The decoder's exception does not say where in the file it stopped; walk the bytes to find the first bad one.
        private static DataFormatException NotUtf8(string path, byte[] bytes, int start)
        {
            var rest = bytes.AsSpan(start);
            int offset = start;
            var status = OperationStatus.Done;
            while (!rest.IsEmpty && (status = Rune.DecodeFromUtf8(rest, out _, out int used)) == OperationStatus.Done)
            {
                offset += used;
                rest = rest[used..];
            }
            int lineStart = bytes.AsSpan(0, offset).LastIndexOf((byte)'\n') + 1;
            int line = 1 + bytes.AsSpan(0, offset).Count((byte)'\n');
            string what = status == OperationStatus.NeedMoreData || offset == bytes.Length ? "the file ends inside a multi-byte character"
                : $"byte 0x{bytes[offset]:X2} at byte offset {offset} does not continue a valid UTF-8 sequence";
            return new DataFormatException(path, line, offset - lineStart + 1, $"The file is not UTF-8: {what} (column counted in bytes).",
                "Convert it to UTF-8 (for example iconv -f latin1 -t utf-8).");
        }

        /// <summary>1-based line and column (in Unicode scalar values) of a position of a text.</summary>
        public static (int Line, int Column) Position(string text, int index)
        {
            var before = text.AsSpan(0, index);
            int lineStart = before.LastIndexOf('\n') + 1;
            int column = 1;
            for (int i = lineStart; i < index; i++)
                if (!char.IsLowSurrogate(text[i])) column++;
            return (1 + before.Count('\n'), column);
        }
    }
}
