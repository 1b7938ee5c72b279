using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CellDsl.Compiler.Graph;
using CellDsl.Generator.Diagnostics;
using CellDsl.Generator.Parsing;
using CellDsl.Search.Candidates;
using CellDsl.Training.Models;
using CellDsl.Zoo;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CellDsl.Cli.Runs
{
    /// <summary>A cell declared in a C# file: its class name, which labels it in the model, and its source.</summary>
    public sealed record CellFile(string Label, string Source);

    /// <summary>A cell file that cannot be trained: the message names the file and what is wrong with it.</summary>
    public sealed class CellFileException(string message) : Exception(message);

    /// <summary>
    /// `train --cell PATH.cs`: a cell declared as a DSL class (what `search export` writes, or any [RnnCell] class of
    /// one's own) read with the generator's own parser, so a malformed file gets the CDSL diagnostics a build would
    /// give, and compiled in memory with the search's compiler (the generator's emitter, optimised). A run keeps the
    /// source in its config, so eval, generate and --resume rebuild the cell without the file.
    /// </summary>
    public static class CellFiles
    {
        /// <summary>Whether a --cell value names a file rather than a zoo cell.</summary>
        public static bool IsPath(string cell)
            => cell.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || cell.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
               || cell.Contains('/') || cell.Contains(Path.DirectorySeparatorChar);

        /// <summary>Reads and checks the cell declared in <paramref name="path"/>; warnings (CDSL0010 and such) are returned
        /// to print. Throws <see cref="CellFileException"/> naming the file for anything that keeps it from training.</summary>
        public static (CellFile Cell, IReadOnlyList<string> Warnings) Read(string path)
        {
            if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                throw new CellFileException($"{path}: --cell takes the cell's DSL source; give {Path.ChangeExtension(path, ".cs")}, which `search export` writes beside it.");
            if (!File.Exists(path))
                throw new CellFileException($"{path}: no such file. --cell takes a zoo name (celldsl cells lists them) or a .cs file declaring an [RnnCell] class.");
            string source;
            try { source = File.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CellFileException($"{path}: cannot be read ({e.Message})."); }
            var (label, _, warnings) = Parse(source, path);
            return (new CellFile(label, source), warnings);
        }

        /// <summary>The class name, graph and warnings of the [RnnCell] class in <paramref name="source"/>;
        /// <paramref name="origin"/> names it in messages.</summary>
        public static (string Label, CellGraph Graph, IReadOnlyList<string> Warnings) Parse(string source, string origin)
        {
            // The parser leaves C# syntax errors to the compiler, whose message is the one to read: here that is Roslyn's.
            var syntax = CSharpSyntaxTree.ParseText(source, path: origin).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (syntax.Count > 0)
                throw new CellFileException($"{origin} is not valid C#:\n" + string.Join("\n", syntax.Select(d => "  " + d)));
            var parsed = CellParser.ParseSource(source, origin)
                ?? throw new CellFileException($"{origin} declares no class marked [RnnCell]: a cell is a partial class with [RnnCell] and a static Step method (README.md, \"A cell of your own\").");
            var errors = parsed.Diagnostics.Where(d => d.IsError).ToList();
            if (errors.Count > 0 || parsed.Model is null)
                throw new CellFileException($"{origin} is not a cell CellDsl can compile:\n" + string.Join("\n", errors.Select(d => "  " + Format(origin, d))));
            var graph = parsed.Model.Graph;
            var invalid = GraphAnalysis.Validate(graph);
            if (invalid.Count > 0) throw new CellFileException($"{origin}: the cell's graph is not well formed: {string.Join("; ", invalid)}");
            var warnings = parsed.Diagnostics.Where(d => !d.IsError).Select(d => Format(origin, d)).ToList();
            return (parsed.Model.Target.ClassName, graph, warnings);
        }

        // As the compiler prints one: file(line,column): error CDSL0007: message.
        private static string Format(string origin, DiagnosticInfo d)
            => $"{origin}({d.StartLine + 1},{d.StartColumn + 1}): {(d.IsError ? "error" : "warning")} {d.Id}: " +
               string.Format(CultureInfo.InvariantCulture, d.Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), d.Args.Cast<object>().ToArray());

        /// <summary>How messages name a source a run's config keeps.</summary>
        public static string RecordedOrigin(string label) => $"config.json CellSources[{label}]";

        // One compile per source for the life of the process: eval and generate in a test process meet the same cell again.
        private static readonly ConcurrentDictionary<string, CompiledCandidate> Compiled = new(StringComparer.Ordinal);

        /// <summary>The factory of each layer of <paramref name="model"/>: a label that <paramref name="sources"/> holds
        /// is that source compiled (all new ones in one compilation), any other a zoo cell.</summary>
        public static IReadOnlyList<Func<int, int, int, IRecurrentCell>> Factories(LanguageModelConfig model, IReadOnlyDictionary<string, string>? sources)
        {
            sources ??= new Dictionary<string, string>();
            var missing = sources.Where(s => model.Cells.Contains(s.Key) && !Compiled.ContainsKey(s.Value))
                .Select(s => (Label: s.Key, Source: s.Value, Graph: Parse(s.Value, RecordedOrigin(s.Key)).Graph)).ToList();
            if (missing.Count > 0)
            {
                // Loaded for the rest of the process: a run's cells are in use until it exits.
                var batch = CandidateCompiler.Compile(missing.Select(m => (m.Label, m.Graph)).ToList());
                foreach (var (m, c) in missing.Zip(batch.Candidates))
                {
                    if (c.Failure is not null) throw new CellFileException($"{m.Label}: the cell does not compile: {c.Failure}");
                    Compiled.TryAdd(m.Source, c);
                }
            }
            return model.Cells.Select(label => sources.TryGetValue(label, out string? source)
                ? (Func<int, int, int, IRecurrentCell>)Compiled[source].Create
                : CellZoo.Get(label).Create).ToList();
        }
    }
}
