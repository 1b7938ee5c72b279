using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CellDsl.Compiler.Graph;
using CellDsl.Search.Store;

namespace CellDsl.Search.Candidates
{
    /// <summary>
    /// One process's compiled candidates, by architecture id. Each is compiled once and its compile time charged once:
    /// the first job run on it records the time, later ones 0, so the store's compile seconds add up to what was spent.
    /// At most <see cref="Capacity"/> batches stay loaded; the least recently used is unloaded first, so a worker that
    /// meets thousands of architectures keeps a few in memory.
    /// </summary>
    public sealed class CandidateCache : IDisposable
    {
        private sealed class Entry(CandidateBatch batch, CompiledCandidate candidate)
        {
            public CandidateBatch Batch { get; } = batch;
            public CompiledCandidate Candidate { get; } = candidate;
            public bool Charged { get; set; }
        }

        private readonly Dictionary<long, Entry> _entries = new();
        private readonly LinkedList<CandidateBatch> _recent = new();

        public CandidateCache(int capacity = int.MaxValue)
        {
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A candidate cache must hold at least one batch.");
            Capacity = capacity;
        }

        /// <summary>Batches kept loaded at most.</summary>
        public int Capacity { get; }

        /// <summary>Batches loaded now.</summary>
        public int Loaded => _recent.Count;

        public bool Contains(long architecture) => _entries.ContainsKey(architecture);

        /// <summary>The loaded assemblies, for tests that watch them being collected.</summary>
        internal IEnumerable<System.Reflection.Assembly> LoadedAssemblies => _recent.SelectMany(b => b.LoadedAssemblies);

        /// <summary>Compiles the architectures not loaded yet in one batch (one Roslyn compilation).</summary>
        public void Compile(IReadOnlyList<Architecture> architectures)
        {
            ArgumentNullException.ThrowIfNull(architectures);
            var missing = architectures.Where(a => !_entries.ContainsKey(a.Id)).DistinctBy(a => a.Id).ToList();
            if (missing.Count == 0) return;
            var batch = CandidateCompiler.Compile(missing.Select(a => (Label(a), GraphText.Read(a.GraphText))).ToList());
            for (int i = 0; i < missing.Count; i++)
                _entries[missing[i].Id] = new Entry(batch, batch.Candidates[i]);
            _recent.AddLast(batch);
            while (_recent.Count > Capacity) Unload(_recent.First!.Value);
        }

        /// <summary>The architecture's candidate, compiled now if it is not loaded, and the compile seconds to charge
        /// to the job about to run on it (its compile time the first time, 0 after).</summary>
        public (CompiledCandidate Candidate, double CompileSeconds) Get(Architecture architecture)
        {
            ArgumentNullException.ThrowIfNull(architecture);
            if (!_entries.ContainsKey(architecture.Id)) Compile(new[] { architecture });
            var entry = _entries[architecture.Id];
            _recent.Remove(entry.Batch);
            _recent.AddLast(entry.Batch);
            double seconds = entry.Charged ? 0 : entry.Candidate.CompileSeconds;
            entry.Charged = true;
            return (entry.Candidate, seconds);
        }

        /// <summary>Unloads every batch.</summary>
        public void Clear()
        {
            while (_recent.Count > 0) Unload(_recent.First!.Value);
        }

        public void Dispose() => Clear();

        private void Unload(CandidateBatch batch)
        {
            foreach (long id in _entries.Where(e => e.Value.Batch == batch).Select(e => e.Key).ToList())
                _entries.Remove(id);
            _recent.Remove(batch);
            batch.Dispose();
        }

        /// <summary>An architecture's label in messages and the generated code's comments: its name, or m-ID for a mutant.</summary>
        public static string Label(Architecture a) => a.Name.Length > 0 ? a.Name : "m-" + a.Id.ToString(CultureInfo.InvariantCulture);
    }
}
