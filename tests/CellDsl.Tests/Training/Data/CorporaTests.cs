using CellDsl.Training.Data;
using CellDsl.Training.Data.Tasks;
using Xunit;

namespace CellDsl.Tests.Training.Data;

public class CorporaTests
{
    [Fact]
    public void Names_load_the_readers_and_tasks_they_stand_for_in_any_case()
    {
        using var dir = new TempFolder();
        dir.Write("ptb.train.txt", " a b \n");
        dir.Write("ptb.valid.txt", " b \n");
        dir.Write("ptb.test.txt", " a \n");
        Assert.Equal(Metric.Perplexity, Corpora.Load("PTB", dir.Path).Metric);
        Assert.Equal("xml", Corpora.Load(" Xml ", sizes: new TaskSizes(50, 50, 50)).Name);
        Assert.Equal(Corpora.Names, ["ptb", "text", "arith", "xml", "memorization"]);
        var arith = Corpora.Load("arith", seed: 4, sizes: new TaskSizes(60, 50, 50));
        Assert.Equal(ArithTask.Generate(4, new TaskSizes(60, 50, 50)).Train.Tokens, arith.Train.Tokens);
    }

    [Fact]
    public void A_text_folder_reads_its_three_files_and_a_text_file_is_split()
    {
        using var dir = new TempFolder();
        dir.Write("train.txt", "abc");
        dir.Write("valid.txt", "cb");
        dir.Write("test.txt", "ab");
        var corpus = Corpora.Load("text", dir.Path);
        Assert.Equal((3, 2, 2), (corpus.Train.Length, corpus.Valid.Length, corpus.Test.Length));
        Assert.Equal(Metric.BitsPerCharacter, corpus.Metric);

        var split = Corpora.Text(dir.Write("one.txt", new string('x', 100)));
        Assert.Equal((90, 5, 5), (split.Train.Length, split.Valid.Length, split.Test.Length));
    }

    [Fact]
    public void A_text_folder_missing_a_split_names_it()
    {
        using var dir = new TempFolder();
        dir.Write("train.txt", "abc");
        var e = Assert.Throws<DataFormatException>(() => Corpora.Text(dir.Path));
        Assert.Equal(Path.Combine(dir.Path, "valid.txt"), e.File);
        Assert.Contains("train.txt, valid.txt, test.txt", e.Message);
    }

    [Theory]
    [InlineData("wikitext", "p", "There is no corpus called 'wikitext'. The corpora are ptb, text, arith, xml, memorization.")]
    [InlineData("", null, "A corpus name is required")]
    [InlineData("ptb", null, "The corpus 'ptb' is read from files: give the folder holding ptb.train.txt")]
    [InlineData("text", " ", "The corpus 'text' is read from files")]
    [InlineData("arith", "data/arith.txt", "The task 'arith' is generated from a seed and reads no files")]
    public void Bad_arguments_say_which_argument_and_what_is_expected(string name, string? path, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Corpora.Load(name, path));
        Assert.Contains(message, e.Message);
        Assert.Equal(message.StartsWith("The task") || message.StartsWith("The corpus") ? "path" : "name", e.ParamName);
    }

    [Fact]
    public void Sizes_for_a_corpus_read_from_files_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Corpora.Load("ptb", "somewhere", sizes: TaskSizes.Default));
        Assert.Equal("sizes", e.ParamName);
    }
}
