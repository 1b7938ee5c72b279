using AngleSharp.Html.Parser;
using CellDsl.Cli.Commands;
using CellDsl.Search.Store;
using CellDsl.Tests.Generator.Support;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>`celldsl search demo` end to end at a tiny budget: the search, then its leaderboard, exported cells and
/// report, all in the folder named.</summary>
[Collection(nameof(SearchRunCollection))]
public sealed class SearchDemoTests : IDisposable
{
    private static readonly string[] Tiny = ["--steps", "1", "--mutants", "1", "--windows", "8", "--filter-windows", "20", "--settings", "1",
        "--filter-threshold", "0.01", "--seed", "3"];

    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-search-demo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_tiny_demo_prints_the_leaderboard_and_leaves_a_store_cells_that_compile_and_a_report_of_them()
    {
        string dir = Path.Combine(_dir, "demo");
        var run = CliRun.Of(["search", "demo", "--out", dir, "--top", "3", .. Tiny]);
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("step 1/1:", run.Output);
        Assert.Matches(@"RANK\s+ARCHITECTURE\s+FITNESS", run.Output);
        Assert.Matches(@"GRU\s+1\.000", run.Output);
        Assert.EndsWith($"The report, to open in a browser: {Path.Combine(dir, SearchDemoCommand.ReportFile)}", run.Output.TrimEnd());

        string store = Path.Combine(dir, SearchDemoCommand.StoreFile);
        int ranked;
        using (var opened = new SqliteSearchStore(store))
            ranked = CellDsl.Cli.Rendering.LeaderboardTable.Rows(opened).Count(r => r.Fitness is not null);
        var cells = Directory.GetFiles(Path.Combine(dir, SearchDemoCommand.CellsFolder), "*.cs").Order().ToArray();
        Assert.Equal(Math.Min(3, ranked), cells.Length);
        Assert.All(cells, c => Assert.Contains(c, run.Output));
        var generated = GeneratorHarness.Run(cells.Select(f => new SourceFile(Path.GetFileName(f), File.ReadAllText(f))).ToArray());
        Assert.Empty(generated.Diagnostics);
        GeneratorHarness.AssertCompiles(generated);

        var page = new HtmlParser().ParseDocument(File.ReadAllText(Path.Combine(dir, SearchDemoCommand.ReportFile)));
        Assert.Equal(2, page.QuerySelectorAll("svg.plot").Length);
        int rows;
        using (var opened = new SqliteSearchStore(store)) rows = CellDsl.Cli.Rendering.LeaderboardTable.Rows(opened).Count;
        Assert.Equal(Math.Min(3, rows), page.QuerySelectorAll("svg.cell-graph").Length);
        Assert.Equal(Math.Min(3, rows), page.QuerySelectorAll("table.top tbody tr").Length);
    }

    [Fact]
    public void A_demo_into_a_folder_that_holds_a_search_is_refused_and_leaves_it_as_it_was()
    {
        string dir = Path.Combine(_dir, "taken");
        Directory.CreateDirectory(dir);
        string store = Path.Combine(dir, SearchDemoCommand.StoreFile);
        using (new SqliteSearchStore(store)) { }
        long before = new FileInfo(store).Length;
        var run = CliRun.Of(["search", "demo", "--out", dir, .. Tiny]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"'{store}' already holds a search", run.Error);
        Assert.Equal(before, new FileInfo(store).Length);
        Assert.False(File.Exists(Path.Combine(dir, SearchDemoCommand.ReportFile)));
    }
}
