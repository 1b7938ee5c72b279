using CellDsl.Cli.Rendering;
using CellDsl.Cli.Runs;
using CellDsl.Search.Store;
using Spectre.Console;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>The search's progress display: a line per step in a log, a live table with a row per worker on a terminal.</summary>
public sealed class SearchViewsTests
{
    private static SearchStatus Status(int step)
    {
        var now = DateTimeOffset.UtcNow;
        return new SearchStatus(step, 3, 7, 2, 1, 4, "m-5", 1.0125, 12.5, 1.5, 28.5, 3, 2,
            [new WorkerActivity("w1-10", 11, "training m-5 on arith", 9, now - TimeSpan.FromSeconds(75), now),
             new WorkerActivity("w2-10", 12, "compiling m-6", 10, now - TimeSpan.FromSeconds(2), now)],
            TimeSpan.FromSeconds(95), now);
    }

    [Fact]
    public void A_log_gets_one_line_per_step_with_counts_leader_rate_and_the_compile_and_training_split()
    {
        var output = new StringWriter();
        int step = 0;
        SearchViews.For(output, TextStyle.Plain).Run(() => Status(step), stepped => { step = 1; stepped(); step = 2; stepped(); });
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("step 2/3: 7 evaluated, 2 filtered, 1 failed runs, 4 duplicates; best m-5 fitness 1.013; 12.5 runs/min, compile 1.5 s, training 28.5 s; 95.0 s", lines[1]);
    }

    [Fact]
    public void A_terminal_gets_a_live_table_with_what_each_worker_is_doing_and_for_how_long()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        int step = 0;
        bool ran = false;
        SearchViews.Live(console).Run(() => Status(step), stepped => { step = 1; stepped(); Thread.Sleep(300); ran = true; });
        Assert.True(ran);
        string text = output.ToString();
        Assert.Contains("7 evaluated, 2 filtered, 4 duplicates", text);
        Assert.Contains("1 failed, 3 queued, 2 running, 12.5/min", text);
        Assert.Contains("best m-5 fitness 1.013", text);
        Assert.Contains("compile 1.5 s, training 28.5 s (5% compiling)", text);
        Assert.Contains("training m-5 on arith (1m15s)", text);
        Assert.Contains("compiling m-6 (2s)", text);
        Assert.Contains("w2-10", text);
    }

    [Fact]
    public void A_search_that_throws_under_the_live_table_throws_to_the_caller()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(new StringWriter()),
        });
        var e = Assert.Throws<InvalidOperationException>(() => SearchViews.Live(console).Run(() => Status(0), _ => throw new InvalidOperationException("store gone")));
        Assert.Equal("store gone", e.Message);
    }
}
