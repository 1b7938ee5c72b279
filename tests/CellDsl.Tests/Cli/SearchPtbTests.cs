using System.Text;
using CellDsl.Search.Store;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>`search run --ptb DIR`: Penn Treebank as the paper's third task, on a small corpus in Mikolov's format
/// written by the test (the real files are the user's).</summary>
[Collection(nameof(SearchRunCollection))]
public sealed class SearchPtbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("celldsl-search-ptb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Sentences of a small grammar, one per line as in Mikolov's files: enough structure that next-word accuracy
    // rises above chance within a few windows.
    private string WritePtb()
    {
        string folder = Path.Combine(_dir, "ptb");
        Directory.CreateDirectory(folder);
        string[] subjects = ["the cat", "a dog", "the bird", "my friend"], verbs = ["sat on", "looked at", "ran to"];
        string[] objects = ["the mat", "a tree", "the house", "N"];
        var random = new Random(3);
        string Sentences(int count)
        {
            var text = new StringBuilder();
            for (int i = 0; i < count; i++)
                text.Append(' ').Append(subjects[random.Next(subjects.Length)]).Append(' ').Append(verbs[random.Next(verbs.Length)])
                    .Append(' ').Append(objects[random.Next(objects.Length)]).Append(" \n");
            return text.ToString();
        }
        File.WriteAllText(Path.Combine(folder, "ptb.train.txt"), Sentences(1_500));
        File.WriteAllText(Path.Combine(folder, "ptb.valid.txt"), Sentences(150));
        File.WriteAllText(Path.Combine(folder, "ptb.test.txt"), Sentences(150));
        return folder;
    }

    [Fact]
    public void With_ptb_the_baselines_are_scored_on_next_word_accuracy_after_arith_and_xml()
    {
        string store = Path.Combine(_dir, "search.db");
        var run = CliRun.Of("search", "run", "--store", store, "--steps", "1", "--windows", "8", "--filter-windows", "60",
            "--settings", "1", "--seed", "5", "--workers", "1", "--ptb", WritePtb());
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        using var opened = new SqliteSearchStore(store);
        var ptb = opened.Results().Where(r => r.Job.Kind == JobKind.Task && r.Job.Task == "ptb").ToList();
        var names = ptb.Select(r => opened.FindArchitecture(r.Job.ArchitectureId)!.Name).Distinct().Order().ToList();
        Assert.Equal(["GRU", "LSTM", "LSTM-b"], names);
        // 8 windows of the grammar above: past chance (1 in 18: 17 words and <eos>), and an accuracy, not a perplexity.
        Assert.All(ptb, r => Assert.InRange(r.Result.Score!.Value, 1.0 / 18, 1.0));
    }

    [Theory]
    [InlineData("missing", "--ptb: there is no folder")]
    [InlineData("empty", "has no ptb.train.txt")]
    public void A_ptb_folder_that_cannot_be_read_exits_two_naming_it(string folder, string message)
    {
        string dir = Path.Combine(_dir, folder);
        if (folder == "empty") Directory.CreateDirectory(dir);
        var run = CliRun.Of("search", "run", "--store", Path.Combine(_dir, "bad.db"), "--workers", "1", "--ptb", dir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
        Assert.Contains(dir, run.Error);
        Assert.False(File.Exists(Path.Combine(_dir, "bad.db")));
    }
}
