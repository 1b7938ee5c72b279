using System;
using System.Collections.Generic;
using System.Linq;
using CellDsl.Compiler.Graph;
using CellDsl.Zoo;

namespace CellDsl.Cli.Checking
{
    /// <summary>The zoo as the commands see it: name lookup for arguments and each cell's graph.</summary>
    public static class ZooCatalog
    {
        private static readonly Dictionary<string, CellGraph> Graphs = new(StringComparer.Ordinal);

        /// <summary>
        /// The cell's graph, read from a 1 × 1 instance: the definition does not depend on the sizes, and building
        /// at the requested sizes would allocate every parameter (and fail for cells that need input == hidden).
        /// </summary>
        public static CellGraph Graph(ZooEntry entry)
        {
            lock (Graphs)
            {
                if (!Graphs.TryGetValue(entry.Name, out var graph))
                    Graphs[entry.Name] = graph = GraphText.Read(entry.Create(1, 1, 0).Definition);
                return graph;
            }
        }

        /// <summary>The entries for the given names in the order given, without repeats; all of the zoo when there are none.</summary>
        public static IReadOnlyList<ZooEntry> Select(IReadOnlyList<string>? names)
        {
            if (names is null || names.Count == 0) return CellZoo.All;
            return names.Select(CellZoo.Get).Distinct().ToList();
        }

        /// <summary>Why <paramref name="name"/> is not a zoo cell (naming the cells there are), or null when it is one.</summary>
        public static string? Unknown(string name)
        {
            try { CellZoo.Get(name); return null; }
            catch (ArgumentException e) { return StripParameterName(e); }
        }

        // ArgumentException appends " (Parameter 'name')" to its message, which means nothing to a command-line user.
        internal static string StripParameterName(ArgumentException e)
            => e.ParamName is { } p && e.Message.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)
                ? e.Message.Substring(0, e.Message.Length - $" (Parameter '{p}')".Length)
                : e.Message;
    }
}
