using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.RuntimeCompilation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CellDsl.Search.Candidates
{
    /// <summary>One candidate of a batch: its cell factory for <c>LanguageModel</c>, or why it has none.</summary>
    /// <param name="Label">The caller's name for it (an architecture id, m-12, ...), used in messages.</param>
    /// <param name="Graph">The cell as given.</param>
    /// <param name="CompileSeconds">Its share of the emit + Roslyn compile + load time: the batch's time over its
    /// size, or its own time when it had to be compiled alone.</param>
    /// <param name="Failure">null when it compiled; else the reason (invalid graph, emitter error, compiler errors).</param>
    /// <param name="Factory">Builds cells (input size, hidden size, seed) while the batch is loaded; null when it failed.</param>
    public sealed record CompiledCandidate(string Label, CellGraph Graph, double CompileSeconds, string? Failure,
        Func<int, int, int, IRecurrentCell>? Factory)
    {
        public bool Compiled => Factory is not null;

        /// <summary>A cell of the candidate: (input size, hidden size, seed), as the trainer's factories take.</summary>
        public IRecurrentCell Create(int inputSize, int hiddenSize, int seed)
            => (Factory ?? throw new InvalidOperationException($"candidate {Label} did not compile: {Failure}"))(inputSize, hiddenSize, seed);
    }

    /// <summary>Candidates compiled together; disposing unloads their assemblies (once no cell of them is referenced).</summary>
    public sealed class CandidateBatch : IDisposable
    {
        private readonly List<CompiledCells> _assemblies;

        internal CandidateBatch(IReadOnlyList<CompiledCandidate> candidates, List<CompiledCells> assemblies, double seconds)
        {
            Candidates = candidates;
            _assemblies = assemblies;
            Seconds = seconds;
        }

        /// <summary>In the order given to <see cref="CandidateCompiler.Compile"/>.</summary>
        public IReadOnlyList<CompiledCandidate> Candidates { get; }

        /// <summary>Wall time of the whole batch, fallbacks included.</summary>
        public double Seconds { get; }

        /// <summary>How many in-memory assemblies were loaded (1 when the whole batch compiled at once).</summary>
        public int Assemblies => _assemblies.Count;

        /// <summary>The loaded assemblies, for tests that watch them being collected.</summary>
        internal IEnumerable<System.Reflection.Assembly> LoadedAssemblies => _assemblies.Select(a => a.Assembly);

        public void Dispose()
        {
            foreach (var a in _assemblies) a.Dispose();
            _assemblies.Clear();
        }
    }

    /// <summary>
    /// Compiles candidates with the generator's own emitter (<see cref="CellCompiler"/>): all of a batch in one Roslyn
    /// compilation, because a compilation's fixed cost is most of a small cell's, loaded into one collectible context.
    /// A candidate that cannot be compiled does not sink the batch: an invalid graph is refused up front, and when the
    /// batch fails each candidate is compiled alone, so only the culprits carry a <see cref="CompiledCandidate.Failure"/>.
    /// </summary>
    public static class CandidateCompiler
    {
        public const string Namespace = "CellDsl.Candidates";

        public static CandidateBatch Compile(IReadOnlyList<(string Label, CellGraph Graph)> candidates)
        {
            ArgumentNullException.ThrowIfNull(candidates);
            var total = Stopwatch.StartNew();
            var results = new CompiledCandidate?[candidates.Count];
            var assemblies = new List<CompiledCells>();
            var valid = new List<int>();
            for (int i = 0; i < candidates.Count; i++)
            {
                var errors = GraphAnalysis.Validate(candidates[i].Graph);
                if (errors.Count > 0) results[i] = new CompiledCandidate(candidates[i].Label, candidates[i].Graph, 0, "invalid graph: " + string.Join("; ", errors), null);
                else valid.Add(i);
            }
            if (valid.Count > 0)
            {
                var clock = Stopwatch.StartNew();
                if (TryCompile(candidates, valid, out var compiled, out _))
                {
                    assemblies.Add(compiled!);
                    double share = clock.Elapsed.TotalSeconds / valid.Count;
                    foreach (int i in valid) results[i] = Loaded(candidates[i], share, compiled!, i);
                }
                else
                {
                    foreach (int i in valid)
                    {
                        clock.Restart();
                        if (TryCompile(candidates, new[] { i }, out var alone, out string? failure))
                        {
                            assemblies.Add(alone!);
                            results[i] = Loaded(candidates[i], clock.Elapsed.TotalSeconds, alone!, i);
                        }
                        else results[i] = new CompiledCandidate(candidates[i].Label, candidates[i].Graph, clock.Elapsed.TotalSeconds, failure, null);
                    }
                }
            }
            return new CandidateBatch(results.Select(r => r!).ToList(), assemblies, total.Elapsed.TotalSeconds);
        }

        /// <summary>The class a candidate's code is emitted as: its index in the batch, so labels need not be identifiers.</summary>
        public static string ClassName(int index) => "Candidate" + index.ToString(CultureInfo.InvariantCulture);

        private static CompiledCandidate Loaded((string Label, CellGraph Graph) c, double seconds, CompiledCells compiled, int index)
        {
            string type = Namespace + "." + ClassName(index);
            return new CompiledCandidate(c.Label, c.Graph, seconds, null, (i, h, s) => compiled.Create(type, i, h, s));
        }

        private static bool TryCompile(IReadOnlyList<(string Label, CellGraph Graph)> candidates, IEnumerable<int> which,
            out CompiledCells? compiled, out string? failure)
        {
            try
            {
                // CellCompiler.Compile builds a debug (unoptimised) assembly; candidates train, so they are compiled
                // optimised, as the generator's cells are in a Release build.
                var trees = which.Select(i => CSharpSyntaxTree.ParseText(
                    CellEmitter.Emit(candidates[i].Graph with { Name = ClassName(i) }, EmitTarget.Of(Namespace, ClassName(i))),
                    CellCompiler.ParseOptions, Namespace + "." + ClassName(i) + ".g.cs", Encoding.UTF8)).ToList();
                var compilation = CellCompiler.CreateCompilation(trees);
                compiled = CellCompiler.Load(compilation.WithOptions(compilation.Options.WithOptimizationLevel(OptimizationLevel.Release)));
                failure = null;
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Compiler errors, and whatever the planner or emitter throws on a graph it cannot lower: the
                // candidate's failure, not the search's.
                compiled = null;
                failure = (e is CellCompilationException ? "does not compile: " : "cannot be emitted: ") + FirstLine(e.Message);
                return false;
            }
        }

        // The message's first line, and the second when there is one (the compiler's first diagnostic).
        private static string FirstLine(string s)
        {
            var lines = s.Split('\n', 3);
            return lines.Length > 1 ? lines[0] + " " + lines[1].Trim() : lines[0];
        }
    }
}
