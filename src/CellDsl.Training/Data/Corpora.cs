using System;
using System.Collections.Generic;
using System.IO;
using CellDsl.Training.Data.Tasks;

namespace CellDsl.Training.Data
{
    /// <summary>Every corpus by the name a command line gives it: files read from a path, tasks generated from a seed.</summary>
    public static class Corpora
    {
        public static readonly IReadOnlyList<string> Names = new[] { "ptb", "text", "arith", "xml", "memorization" };

        /// <summary>The polyphonic music corpus, read as piano rolls (<see cref="PianoRoll"/>) rather than tokens.</summary>
        public const string Jsb = "jsb";

        /// <summary>The three files a <see cref="Text(string)"/> folder holds.</summary>
        public static readonly IReadOnlyList<string> TextFileNames = new[] { "train.txt", "valid.txt", "test.txt" };

        /// <summary>
        /// The corpus called <paramref name="name"/> (case-insensitive): "ptb" and "text" read <paramref name="path"/>;
        /// "arith", "xml" and "memorization" are generated from <paramref name="seed"/> at <paramref name="sizes"/>
        /// (<see cref="TaskSizes.Default"/> when null) and take no path.
        /// </summary>
        public static Corpus Load(string name, string? path = null, long seed = 1, TaskSizes? sizes = null)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"A corpus name is required: one of {string.Join(", ", Names)}.", nameof(name));
            string key = name.Trim().ToLowerInvariant();
            switch (key)
            {
                case "ptb":
                case "text":
                    if (string.IsNullOrWhiteSpace(path))
                        throw new ArgumentException(key == "ptb"
                            ? $"The corpus 'ptb' is read from files: give the folder holding {string.Join(", ", PennTreebank.FileNames)}."
                            : $"The corpus 'text' is read from files: give a UTF-8 text file (split 90/5/5) or a folder holding {string.Join(", ", TextFileNames)}.",
                            nameof(path));
                    if (sizes != null)
                        throw new ArgumentException($"The corpus '{key}' is read from files, so its sizes are the files'; sizes apply to the generated tasks only.", nameof(sizes));
                    return key == "ptb" ? Ptb(path) : Text(path);
                case "arith":
                case "xml":
                case "memorization":
                    if (path != null)
                        throw new ArgumentException($"The task '{key}' is generated from a seed and reads no files; leave the path out (got '{path}').", nameof(path));
                    var s = sizes ?? TaskSizes.Default;
                    return key == "arith" ? Arith(seed, s) : key == "xml" ? Xml(seed, s) : Memorization(seed, s);
                case Jsb:
                    throw new ArgumentException($"'{Jsb}' is polyphonic music, read as piano rolls rather than tokens: load it with Corpora.JsbChorales and train a PianoRollModel.", nameof(name));
                default:
                    throw new ArgumentException($"There is no corpus called '{name}'. The corpora are {string.Join(", ", Names)}.", nameof(name));
            }
        }

        /// <summary>Penn Treebank from the folder holding Mikolov's three files (<see cref="PennTreebank"/>).</summary>
        public static Corpus Ptb(string folder) => PennTreebank.Load(folder);

        /// <summary>Characters of one UTF-8 file split 90/5/5, or of a folder holding train.txt, valid.txt and test.txt.</summary>
        public static Corpus Text(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new ArgumentException("A text file or folder is required (got an empty string).", nameof(path));
            if (!Directory.Exists(path)) return CharacterText.Load(path);
            var files = TextFile.InFolder(path, TextFileNames, "A text folder", "(or name one file to split it 90/5/5)");
            return CharacterText.Load(files[0], files[1], files[2]);
        }

        /// <summary>Characters of three UTF-8 files, the vocabulary from the first (<see cref="CharacterText"/>).</summary>
        public static Corpus Text(string train, string valid, string test) => CharacterText.Load(train, valid, test);

        /// <summary>The JSB chorales from their JSON file, or from a data folder holding <see cref="PianoRoll.JsbChoralesFile"/>.</summary>
        public static PianoRollCorpus JsbChorales(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new ArgumentException("The JSB chorales' JSON file, or a data folder holding " + PianoRoll.JsbChoralesFile + ", is required (got an empty string).", nameof(path));
            return PianoRoll.Load(Directory.Exists(path) ? Path.Combine(path, PianoRoll.JsbChoralesFile) : path);
        }

        public static Corpus Arith(long seed, TaskSizes sizes) => ArithTask.Generate(seed, sizes);

        public static Corpus Xml(long seed, TaskSizes sizes) => XmlTask.Generate(seed, sizes);

        public static Corpus Memorization(long seed, TaskSizes sizes) => MemorizationTask.Generate(seed, sizes);
    }
}
