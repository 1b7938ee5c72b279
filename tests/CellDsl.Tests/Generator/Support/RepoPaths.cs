using System.Runtime.CompilerServices;

namespace CellDsl.Tests.Generator.Support;

/// <summary>Folders of the source tree, found from where the tests run (snapshots and zoo sources live there, not in bin).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The folder holding CellDsl.sln.</summary>
    public static string Root => RootLazy.Value;

    public static string ZooFolder => Path.Combine(Root, "src", "CellDsl", "Zoo");

    public static string SnapshotFolder => Path.Combine(Root, "tests", "CellDsl.Tests", "Snapshots");

    public static string Docs(string file) => Path.Combine(Root, "docs", file);

    /// <summary>The zoo's cell declarations (every file except the registry), as (repository-relative path, text).</summary>
    public static IReadOnlyList<(string Path, string Text)> ZooDeclarationFiles()
        => Directory.GetFiles(ZooFolder, "*.cs")
            .Where(f => Path.GetFileName(f) != "CellZoo.cs")
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => ("src/CellDsl/Zoo/" + Path.GetFileName(f), File.ReadAllText(f)))
            .ToList();

    private static string FindRoot() => FindFrom(AppContext.BaseDirectory) ?? FindFrom(ThisFile()) ??
        throw new InvalidOperationException($"CellDsl.sln not found above '{AppContext.BaseDirectory}'; the generator tests read snapshots and zoo sources from the source tree.");

    private static string? FindFrom(string? start)
    {
        for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CellDsl.sln"))) return dir.FullName;
        return null;
    }

    // Fallback for test runners that shadow-copy the binaries out of the tree.
    private static string? ThisFile([CallerFilePath] string path = "") => Path.GetDirectoryName(path);
}
