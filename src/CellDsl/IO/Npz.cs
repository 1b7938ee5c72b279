using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace CellDsl.IO
{
    /// <summary>
    /// NumPy's .npz format: a zip archive of .npy files, one per array, named "KEY.npy". numpy.savez stores the
    /// entries, numpy.savez_compressed deflates them; both are read.
    /// </summary>
    public static class Npz
    {
        /// <summary>Reads every array of an .npz file, keyed by name (the entry name without ".npy"), in archive order.</summary>
        /// <exception cref="InvalidDataException">The file is not a readable zip of supported .npy arrays; the message names the file and entry.</exception>
        public static IReadOnlyDictionary<string, NdArray> Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var file = File.OpenRead(path);
            ZipArchive archive;
            try { archive = new ZipArchive(file, ZipArchiveMode.Read); }
            catch (InvalidDataException e)
            {
                throw Npy.Bad(path, $"it is not a readable zip archive ({e.Message.TrimEnd('.')})",
                    file.Length == 0 ? "the file is empty; save it again with numpy.savez"
                    : "an .npz is what numpy.savez or numpy.savez_compressed writes; if the file was cut short, save it again");
            }
            using (archive)
            {
                var arrays = new Dictionary<string, NdArray>(StringComparer.Ordinal);
                foreach (var entry in archive.Entries)
                {
                    if (entry.FullName.EndsWith('/')) continue; // a directory record, no data
                    string source = $"{path}, entry '{entry.FullName}'";
                    if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                        throw Npy.Bad(source, "the entry is not a .npy array", "an .npz holds only arrays; write it with numpy.savez");
                    string name = entry.FullName[..^".npy".Length];
                    if (arrays.ContainsKey(name))
                        throw Npy.Bad(source, $"the archive holds '{name}' twice", "write it again with numpy.savez, which keeps keys unique");
                    arrays.Add(name, Npy.Read(Unpack(entry, source), name, source));
                }
                return arrays;
            }
        }

        /// <summary>
        /// Writes the arrays to an .npz file, keyed by their names, each as its element type (see <see cref="Npy.Write(Stream, NdArray)"/>).
        /// numpy.load reads the result.
        /// </summary>
        /// <param name="path">The .npz file to create (replaced if it exists).</param>
        /// <param name="arrays">The arrays; their names become the keys.</param>
        /// <param name="compress">Deflate the entries (like numpy.savez_compressed) rather than store them (like numpy.savez).</param>
        public static void Write(string path, IEnumerable<NdArray> arrays, bool compress = false)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(arrays);
            var names = new HashSet<string>(StringComparer.Ordinal);
            using var file = File.Create(path);
            using var archive = new ZipArchive(file, ZipArchiveMode.Create);
            foreach (var array in arrays)
            {
                ArgumentNullException.ThrowIfNull(array);
                if (array.Name.Length == 0) throw new ArgumentException("An .npz array needs a non-empty name.", nameof(arrays));
                if (!names.Add(array.Name)) throw new ArgumentException($"Two arrays are named '{array.Name}'; .npz keys must be unique.", nameof(arrays));
                var entry = archive.CreateEntry(array.Name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                entry.LastWriteTime = FixedTime; // the same arrays give the same bytes
                using var stream = entry.Open();
                Npy.Write(stream, array);
            }
        }

        private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

        /// <summary>The entry's bytes; zip-level damage (a bad deflate stream, a wrong checksum) is reported with the entry's name.</summary>
        private static MemoryStream Unpack(ZipArchiveEntry entry, string source)
        {
            try
            {
                var copy = new MemoryStream(entry.Length <= Array.MaxLength ? (int)entry.Length : 0);
                using (var stream = entry.Open()) stream.CopyTo(copy);
                copy.Position = 0;
                return copy;
            }
            catch (InvalidDataException e)
            {
                throw Npy.Bad(source, $"the entry cannot be unpacked ({e.Message.TrimEnd('.')})", "the archive is damaged; save it again with numpy.savez");
            }
        }
    }
}
