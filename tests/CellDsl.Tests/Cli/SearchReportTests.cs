using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using CellDsl.Cli.Commands;
using CellDsl.Cli.Reports;
using CellDsl.Compiler.Graph;
using CellDsl.Generator.Parsing;
using CellDsl.Search.Store;
using SkiaSharp;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>A small real search whose memorization filter lets mutants through (a 1% mark), so that the report has
/// mutants among its top cells, and its report written through the command line once for the class.</summary>
public sealed class ReportedSearch : IDisposable
{
    public const int Top = 4;

    public ReportedSearch()
    {
        Run = CliRun.Of("search", "run", "--store", Store, "--steps", "2", "--mutants", "2", "--windows", "8", "--filter-windows", "20",
            "--settings", "1", "--filter-threshold", "0.01", "--seed", "3");
        Report = CliRun.Of("search", "report", "--store", Store, "--out", Page, "--top", Top.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public string Dir { get; } = Directory.CreateTempSubdirectory("celldsl-search-report-").FullName;
    public string Store => Path.Combine(Dir, "search.db");
    public string Page => Path.Combine(Dir, "report.html");
    internal CliRun Run { get; }
    internal CliRun Report { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>`celldsl search report`: the page a search's store gives, checked as Chromium renders it, and the report's
/// figures checked against a store written through the store's own API.</summary>
[Collection(nameof(SearchRunCollection))]
public sealed class SearchReportTests(ReportedSearch searched) : IClassFixture<ReportedSearch>
{
    private static IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    /// <summary>The top cells the page should draw: the leaderboard's first rows, with their stored graphs.</summary>
    private List<(string Name, CellGraph Graph, string Key)> TopCells()
    {
        using var store = new SqliteSearchStore(searched.Store);
        return CellDsl.Cli.Rendering.LeaderboardTable.Rows(store).Take(ReportedSearch.Top)
            .Select(r => store.FindArchitecture(r.ArchitectureId)!)
            .Select(a => (CellDsl.Cli.Rendering.LeaderboardTable.Label(a), GraphText.Read(a.GraphText), a.CanonicalKey)).ToList();
    }

    [Fact]
    public void A_search_and_its_report_exit_zero_and_the_report_covers_mutants_as_well_as_the_baselines()
    {
        Assert.True(searched.Run.ExitCode == 0, searched.Run.Error + searched.Run.Output);
        Assert.True(searched.Report.ExitCode == 0, searched.Report.Error);
        Assert.Equal(searched.Page, searched.Report.Output.Trim());
        var top = TopCells();
        Assert.Equal(ReportedSearch.Top, top.Count);
        Assert.Contains(top, c => c.Name.StartsWith("m-", StringComparison.Ordinal));
        Assert.Contains(top, c => c.Name == "GRU");
    }

    [ChromiumFact]
    public void Chromium_renders_both_plots_and_one_graph_per_top_cell_with_a_box_per_live_node_and_new_state()
    {
        var (dom, console) = Chromium.DumpDom(searched.Page);
        Assert.Empty(console);
        var page = Parse(dom);
        Assert.Equal("Architecture search", page.QuerySelector("h1")?.TextContent);

        foreach (var id in new[] { "plot-fitness", "plot-tasks" })
        {
            var plot = page.QuerySelector($"svg.plot#{id}");
            Assert.True(plot is not null, $"no plot {id} in the rendered page");
            Assert.True(plot.QuerySelectorAll("path, line, rect, circle, polyline").Length > 10, $"{id} draws next to nothing");
            Assert.NotEmpty(plot.QuerySelectorAll("text"));
        }

        var graphs = page.QuerySelectorAll("svg.cell-graph");
        var top = TopCells();
        Assert.Equal(top.Select(c => c.Name), graphs.Select(g => g.GetAttribute("data-cell")));
        for (int i = 0; i < top.Count; i++)
        {
            var (name, graph, _) = top[i];
            var live = GraphAnalysis.Live(graph);
            var nodes = graphs[i].QuerySelectorAll("g.node");
            Assert.True(Enumerable.Range(0, graph.Nodes.Count).Count(n => live[n]) + graph.StateCount == nodes.Length, $"{name}: {nodes.Length} boxes");
            Assert.Equal(graph.StateCount, graphs[i].QuerySelectorAll("g.node.output").Length);
            Assert.Equal(Enumerable.Range(0, graph.Nodes.Count).Where(n => live[n]).Sum(n => graph.Nodes[n].Args.Count) + graph.StateCount,
                graphs[i].QuerySelectorAll("path.edge").Length);
            Assert.All(nodes, n => Assert.False(string.IsNullOrWhiteSpace(n.TextContent)));
        }
    }

    [ChromiumFact]
    public void Chromium_passes_on_what_a_page_logs_to_its_console_so_an_empty_log_means_a_clean_page()
    {
        string page = Path.Combine(searched.Dir, "noisy-" + Guid.NewGuid().ToString("N") + ".html");
        File.WriteAllText(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>noisy</title></head><body><script>console.error('drawn badly'); undefinedFunction();</script></body></html>");
        var (_, console) = Chromium.DumpDom(page);
        Assert.Contains(console, l => l.Contains("drawn badly", StringComparison.Ordinal));
        Assert.Contains(console, l => l.Contains("undefinedFunction", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public void The_page_chromium_paints_is_not_blank_and_shows_the_plot_colours()
    {
        string png = Path.Combine(searched.Dir, "page-" + Guid.NewGuid().ToString("N") + ".png");
        Chromium.Screenshot(searched.Page, png, 1100, 1400);
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        int inked = 0, blue = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red < 200 || c.Green < 200 || c.Blue < 200) inked++;
                if (c.Blue > 150 && c.Red < 80) blue++;   // ScottPlot's first colour, #1f77b4: the bars and points
            }
        int sampled = (bitmap.Height / 2) * (bitmap.Width / 2);
        Assert.True(inked > sampled / 50, $"{inked} of {sampled} sampled pixels are not near white");
        Assert.True(blue > 50, $"{blue} pixels in the plots' blue");
    }

    [Fact]
    public void The_page_is_self_contained_with_no_script_and_every_link_inside_it()
    {
        var page = Parse(File.ReadAllText(searched.Page));
        Assert.Empty(page.QuerySelectorAll("script, link, iframe, object, embed, img"));
        Assert.All(page.QuerySelectorAll("[href]"), e => Assert.StartsWith("#", e.GetAttribute("href")));
        Assert.All(page.QuerySelectorAll("[src]"), e => Assert.Fail($"<{e.LocalName} src=\"{e.GetAttribute("src")}\">"));
        Assert.DoesNotContain(page.QuerySelectorAll("style"), s => s.TextContent.Contains("url(", StringComparison.Ordinal));
        // Every in-page reference resolves, and ids are unique (the plots' clip paths are renamed per plot).
        var ids = page.QuerySelectorAll("[id]").Select(e => e.Id!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        string html = File.ReadAllText(searched.Page);
        foreach (var reference in System.Text.RegularExpressions.Regex.Matches(html, @"(?:url\(#|href=""#)([^)""]+)").Select(m => m.Groups[1].Value))
            Assert.Contains(reference, ids);
    }

    [Fact]
    public void The_source_under_each_graph_parses_back_to_the_stored_architecture()
    {
        var page = Parse(File.ReadAllText(searched.Page));
        var sources = page.QuerySelectorAll("figure.cell pre.dsl").Select(p => p.TextContent).ToList();
        var top = TopCells();
        Assert.Equal(top.Count, sources.Count);
        for (int i = 0; i < top.Count; i++)
        {
            var parsed = CellParser.ParseSource(sources[i], top[i].Name + ".cs")!;
            Assert.Empty(parsed.Diagnostics);
            Assert.Equal(top[i].Key, CanonicalKey.Of(parsed.Model!.Graph));
        }
    }

    [Fact]
    public void The_table_lists_the_top_cells_in_leaderboard_order_with_their_best_scores()
    {
        var page = Parse(File.ReadAllText(searched.Page));
        var rows = page.QuerySelectorAll("table.top tbody tr").ToList();
        using var store = new SqliteSearchStore(searched.Store);
        var board = CellDsl.Cli.Rendering.LeaderboardTable.Rows(store).Take(ReportedSearch.Top).ToList();
        Assert.Equal(board.Count, rows.Count);
        var header = page.QuerySelectorAll("table.top thead th").Select(h => h.TextContent).ToList();
        for (int i = 0; i < board.Count; i++)
        {
            var cells = rows[i].QuerySelectorAll("td").Select(c => c.TextContent).ToList();
            Assert.Equal(board[i].Name, cells[1]);
            Assert.Equal(board[i].Fitness?.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) ?? "-", cells[2]);
            foreach (var (task, score) in board[i].BestByTask)
                Assert.Equal(score.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), cells[header.IndexOf(task)]);
        }
    }
}

/// <summary>The report's figures from a store written through the store's API, and its refusals.</summary>
public sealed class SearchReportFiguresTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-report-figures-").FullName;
    private string File => Path.Combine(_dir, "search.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static long Add(ISearchStore store, string name, CellGraph graph)
        => store.AddArchitecture(new Architecture(0, name, CanonicalKey.Of(graph), GraphText.Write(graph), null, null, 1, default)).Architecture.Id;

    private static int _jobs;

    private static void Record(ISearchStore store, long arch, string task, double? score, string setting = """{"InitScale":1,"LearningRate":0.5,"ClipNorm":5,"Layers":1}""",
        JobKind kind = JobKind.Task, string details = """{"hidden":48,"parameters":17012}""")
    {
        // Each job its own setting, so none is the same job as one before (jobs are unique by architecture, task and
        // setting); the reader ignores the extra field.
        string unique = setting.Replace("}", $",\"n\":{Interlocked.Increment(ref _jobs)}}}", StringComparison.Ordinal);
        var job = store.AddJobs([new Job(0, arch, kind, task, unique, 1, JobStatus.Pending)])[0];
        var claim = store.ClaimNext("w", TimeSpan.FromMinutes(1))!;
        Assert.Equal(job.Id, claim.Job.Id);
        Assert.True(store.Complete(claim, new JobResult(score, score is null ? "diverged" : null, 0.25, 2, details)));
        Thread.Sleep(2);   // results are ordered by finish time, in milliseconds
    }

    [Fact]
    public void Candidates_come_in_evaluation_order_with_their_fitness_or_why_they_have_none_and_the_best_so_far_is_the_running_maximum()
    {
        using (var store = new SqliteSearchStore(File))
        {
            long gru = Add(store, "GRU", CellDsl.Search.Candidates.Baselines.Gru), lstm = Add(store, "LSTM", CellDsl.Search.Candidates.Baselines.Lstm);
            long m1 = Add(store, "", CellDsl.Search.Candidates.Baselines.Of("mut1")), m2 = Add(store, "", CellDsl.Search.Candidates.Baselines.Of("mut2"));
            long m3 = Add(store, "", CellDsl.Search.Candidates.Baselines.Of("mut3")), m4 = Add(store, "", CellDsl.Search.Candidates.Baselines.Of("nig"));
            Record(store, gru, "arith", 0.5);
            Record(store, gru, "xml", 0.8);
            Record(store, gru, "arith", 0.6);      // the GRU's best on arith: 0.6
            Record(store, lstm, "arith", 0.45);
            Record(store, lstm, "xml", 0.88);
            Record(store, m1, "memorization", 0.3, kind: JobKind.Filter);
            Record(store, m2, "memorization", 0.99, kind: JobKind.Filter);
            Record(store, m2, "arith", 0.72);
            Record(store, m2, "xml", 0.84);
            Record(store, m3, "memorization", 0.99, kind: JobKind.Filter);
            Record(store, m3, "arith", 0.2);       // dropped after arith
            Record(store, m4, "memorization", 0.99, kind: JobKind.Filter);
            Record(store, m4, "arith", 0.9);
            Record(store, m4, "xml", null);        // diverged: no fitness
        }
        SearchReport report;
        using (var store = new SqliteSearchStore(File))
            report = SearchReport.Read(store, File, top: 3);

        // By hand: GRU 1; LSTM min(0.45/0.6, 0.88/0.8) = 0.75; m-4 min(0.72/0.6, 0.84/0.8) = 1.05.
        Assert.Equal(["GRU", "LSTM", "m-3", "m-4", "m-5", "m-6"], report.Candidates.Select(c => c.Name));
        Assert.Equal([1, 2, 3, 4, 5, 6], report.Candidates.Select(c => c.Order));
        Assert.Equal([CandidateStanding.Ranked, CandidateStanding.Ranked, CandidateStanding.Filtered, CandidateStanding.Ranked, CandidateStanding.Unranked, CandidateStanding.Unranked], report.Candidates.Select(c => c.Standing));
        var fitness = report.Candidates.Select(c => c.Fitness).ToList();
        Assert.Equal(1.0, fitness[0]!.Value, 12);
        Assert.Equal(0.75, fitness[1]!.Value, 12);
        Assert.Null(fitness[2]);
        Assert.Equal(1.05, fitness[3]!.Value, 12);
        Assert.Equal([1.0, 1.0, 1.0, 1.05, 1.05, 1.05], report.BestSoFar().Select(b => Math.Round(b!.Value, 12)));

        Assert.Equal(["m-4", "GRU", "LSTM"], report.Top.Select(c => c.Name));
        Assert.Equal(["LSTM", "GRU"], report.Baselines.Select(c => c.Name));
        var gruArith = report.Top[1].Best["arith"];
        Assert.Equal(0.6, gruArith.Score, 12);
        Assert.Equal(17012, gruArith.ModelParameters);
        Assert.Equal(48, gruArith.Hidden);
        Assert.Equal(0.5f, gruArith.Parsed!.LearningRate);
        Assert.Equal(["arith", "xml"], report.Tasks);
        Assert.Equal(14, report.Runs);
        Assert.Equal(1, report.FailedRuns);
        Assert.Equal(14 * 0.25, report.CompileSeconds, 9);
    }

    [Fact]
    public void An_empty_store_is_a_plain_message_and_no_page()
    {
        using (new SqliteSearchStore(File)) { }
        string page = Path.Combine(_dir, "report.html");
        var run = CliRun.Of("search", "report", "--store", File, "--out", page);
        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains($"The store '{File}' holds no finished runs yet: run the search first", run.Error);
        Assert.False(System.IO.File.Exists(page));
    }

    [Fact]
    public void A_file_that_is_not_a_store_is_a_plain_message_naming_it()
    {
        System.IO.File.WriteAllText(File, "these are not the bytes of an SQLite database, but quite enough of them to look like a header at first");
        var run = CliRun.Of("search", "report", "--store", File, "--out", Path.Combine(_dir, "report.html"));
        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains(File, run.Error);
        Assert.Contains("cannot be opened", run.Error);
    }

    [Fact]
    public void A_stored_graph_that_does_not_parse_is_a_plain_message_naming_the_architecture()
    {
        using (var store = new SqliteSearchStore(File))
        {
            long gru = Add(store, "GRU", CellDsl.Search.Candidates.Baselines.Gru);
            long bad = store.AddArchitecture(new Architecture(0, "", "key-broken", "cell Broken\nnode 0 frobnicate\n", null, null, 1, default)).Architecture.Id;
            Record(store, gru, "arith", 0.5);
            Record(store, bad, "arith", 0.7);
        }
        var run = CliRun.Of("search", "report", "--store", File, "--out", Path.Combine(_dir, "report.html"));
        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("malformed graph for architecture 2 (m-2)", run.Error);
    }

    [Fact]
    public void A_missing_store_is_a_usage_error_and_is_not_created()
    {
        string missing = Path.Combine(_dir, "typo.db");
        var run = CliRun.Of("search", "report", "--store", missing);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"There is no search store '{missing}'", run.Error);
        Assert.False(System.IO.File.Exists(missing));
    }
}
