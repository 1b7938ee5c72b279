using CellDsl.Cli.Rendering;
using CellDsl.Search.Store;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>`celldsl search leaderboard` over a store written through the store's own API.</summary>
public sealed class SearchLeaderboardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-leaderboard-").FullName;
    private string File => Path.Combine(_dir, "search.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void Record(ISearchStore store, string name, string task, double? score, JobKind kind = JobKind.Task, double compile = 0.1, double train = 1)
    {
        long arch = store.AddArchitecture(new Architecture(0, name, "key-" + name, "graph", null, null, 1, default)).Architecture.Id;
        var job = store.AddJobs([new Job(0, arch, kind, task, $"{{\"score\":{score?.ToString() ?? "null"}}}", 1, JobStatus.Pending)])[0];
        var claim = store.ClaimNext("w", TimeSpan.FromMinutes(1))!;
        Assert.Equal(job.Id, claim.Job.Id);
        Assert.True(store.Complete(claim, new JobResult(score, score is null ? "NaN at step 3" : null, compile, train, "{}")));
    }

    private void WriteSearch(bool withGru = true)
    {
        using var store = new SqliteSearchStore(File);
        if (withGru)
        {
            Record(store, "GRU", "arith", 0.5);
            Record(store, "GRU", "arith", 0.6);
            Record(store, "GRU", "xml", 0.8);
        }
        Record(store, "LSTM", "arith", 0.66);
        Record(store, "LSTM", "xml", 0.72);
        Record(store, "LSTM-b", "arith", 0.75);
        Record(store, "LSTM-b", "xml", 0.8);
        Record(store, "m-3", "memorize", 0.97, JobKind.Filter, compile: 0.25, train: 4);   // counts in its cost, not its rank
        Record(store, "m-3", "arith", 0.9, compile: 0, train: 2);
        Record(store, "m-3", "xml", 0.84, compile: 0.05, train: 3);
        Record(store, "m-4", "memorize", 0.99, JobKind.Filter);   // filtered: no task score, not ranked
        Record(store, "m-5", "arith", 0.7);
        Record(store, "m-5", "xml", null);                         // diverged on xml: no fitness
    }

    [Fact]
    public void Architectures_are_ranked_by_the_minimum_over_tasks_of_their_best_score_over_the_grus()
    {
        WriteSearch();
        var run = CliRun.Of("search", "leaderboard", "--store", File);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        int header = lines.FindIndex(l => l.StartsWith("RANK", StringComparison.Ordinal));
        Assert.Equal(["RANK", "ARCHITECTURE", "FITNESS", "/LSTM", "/LSTM-B", "arith", "xml", "COMPILE", "TRAIN", "RUNS"], lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var table = lines.Skip(header + 1).Where(l => l.Length > 0).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        // Fitness by hand: m-3 min(0.9/0.6, 0.84/0.8) = 1.05; GRU 1; LSTM-b min(0.75/0.6, 0.8/0.8) = 1 (after the GRU,
        // stored first); LSTM min(0.66/0.6, 0.72/0.8) = 0.9; m-5 has no xml score. The same against the LSTM (0.66,
        // 0.72): m-3 min(1.364, 1.167), GRU min(0.909, 1.111), LSTM-b min(1.136, 1.111); against LSTM-b (0.75, 0.8): m-3
        // min(1.2, 1.05), GRU min(0.8, 1), LSTM min(0.88, 0.9). Compile and train seconds are sums over every run of the
        // architecture, the filter's included.
        Assert.Equal(["1", "m-3", "1.050", "1.167", "1.050", "0.900", "0.840", "0.30", "9.0", "2"], table[0]);
        Assert.Equal(["2", "GRU", "1.000", "0.909", "0.800", "0.600", "0.800", "0.30", "3.0", "3"], table[1]);
        Assert.Equal(["3", "LSTM-b", "1.000", "1.111", "1.000", "0.750", "0.800", "0.20", "2.0", "2"], table[2]);
        Assert.Equal(["4", "LSTM", "0.900", "1.000", "0.880", "0.660", "0.720", "0.20", "2.0", "2"], table[3]);
        Assert.Equal(["5", "m-5", "-", "-", "-", "0.700", "-", "0.20", "2.0", "2", "(1", "failed)"], table[4]);
        Assert.Equal(5, table.Count);
        Assert.Contains("5 architectures, 11 task evaluations (1 failed)", run.Output);
    }

    [Fact]
    public void A_mutant_stored_without_a_name_is_listed_by_its_store_id()
    {
        WriteSearch();
        long id;
        using (var store = new SqliteSearchStore(File))
        {
            Record(store, "", "arith", 0.66);
            Record(store, "", "xml", 0.84);
            id = store.FindByKey("key-")!.Id;
        }
        var run = CliRun.Of("search", "leaderboard", "--store", File);
        Assert.Equal(0, run.ExitCode);
        // After the per-task scores: compile and train seconds, then the run count.
        Assert.Matches($@"\n\s*2\s+m-{id}\s+1\.050\s+1\.000\s+0\.880\s+0\.660\s+0\.840\s+[\d.]+\s+[\d.]+\s+2\s*\n", run.Output);
    }

    [Fact]
    public void Top_limits_the_rows_and_says_how_many_more_there_are()
    {
        WriteSearch();
        var run = CliRun.Of("search", "leaderboard", "--store", File, "--top", "2");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("... and 3 more (--top 5 shows all)", run.Output);
        Assert.DoesNotContain(" LSTM-b ", run.Output);   // third, so not shown
        Assert.DoesNotContain("m-5", run.Output);
    }

    [Fact]
    public void Without_a_gru_score_fitness_is_left_out_and_the_output_says_why()
    {
        WriteSearch(withGru: false);
        using (var store = new SqliteSearchStore(File))
            Assert.All(LeaderboardTable.Rows(store), r => Assert.Null(r.Fitness));
        var run = CliRun.Of("search", "leaderboard", "--store", File);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("No GRU score in the store", run.Output);
    }

    [Fact]
    public void A_missing_store_is_a_usage_error_naming_the_file_and_is_not_created()
    {
        string missing = Path.Combine(_dir, "typo.db");
        var run = CliRun.Of("search", "leaderboard", "--store", missing);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"There is no search store '{missing}'", run.Error);
        Assert.False(System.IO.File.Exists(missing));
    }
}
