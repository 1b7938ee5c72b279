using CellDsl.Training.Data;
using Xunit;

namespace CellDsl.Tests.Training.Data;

public class PennTreebankTests
{
    // TensorFlow's reader, written out plainly: every '\n' becomes <eos>, split on whitespace, count, sort by
    // (-count, word). It is the oracle for the vocabulary order and the token ids.
    private static (List<string> Vocabulary, List<string> Words) Reference(string text)
    {
        var words = text.Replace("\n", " <eos> ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        var vocabulary = words.GroupBy(w => w, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();
        return (vocabulary, words);
    }

    private static string Folder(TempFolder dir, string train, string valid, string test)
    {
        dir.Write("ptb.train.txt", train);
        dir.Write("ptb.valid.txt", valid);
        dir.Write("ptb.test.txt", test);
        return dir.Path;
    }

    [Fact]
    public void Vocabulary_is_ordered_by_count_then_ordinally_and_ids_match_a_plain_reader()
    {
        using var dir = new TempFolder();
        const string train = " the cat sat \n on the mat \n the Cat b a \n";
        var corpus = PennTreebank.Load(Folder(dir, train, " the mat \n", " a cat \n"));
        var (vocabulary, words) = Reference(train);

        Assert.Equal(vocabulary, corpus.Vocabulary.Tokens);
        Assert.Equal(["<eos>", "the", "Cat", "a", "b", "cat", "mat", "on", "sat"], corpus.Vocabulary.Tokens);
        Assert.Equal(words.Select(w => corpus.Vocabulary.Id(w)), corpus.Train.Tokens);
        Assert.Equal(" ", corpus.Vocabulary.Separator);
        Assert.Equal(Metric.Perplexity, corpus.Metric);
        Assert.Null(corpus.Train.Scored);
        Assert.Equal("the mat <eos>", corpus.Vocabulary.Decode(corpus.Valid.Tokens));
        Assert.Equal("a cat <eos>", corpus.Vocabulary.Decode(corpus.Test.Tokens));
    }

    [Fact]
    public void Every_line_ends_in_eos_including_empty_lines_and_a_last_line_without_newline()
    {
        using var dir = new TempFolder();
        var stream = PennTreebank.ReadTraining(dir.Write("t.txt", "a b\r\n\n\tc  d"));
        Assert.Equal("a b <eos> <eos> c d <eos>", stream.Vocabulary.Decode(stream.Tokens));
    }

    [Fact]
    public void A_valid_word_outside_the_training_vocabulary_is_named_with_its_line_and_column()
    {
        using var dir = new TempFolder();
        string folder = Folder(dir, " a b \n b c \n", " a b \n b zebra c \n", " a \n");
        var e = Assert.Throws<DataFormatException>(() => PennTreebank.Load(folder));
        string valid = Path.Combine(folder, "ptb.valid.txt");
        Assert.Equal((valid, 2, 4), (e.File, e.Line, e.Column));
        Assert.StartsWith($"{valid}:2:4: The word 'zebra' is not in the vocabulary of 4 words", e.Message);
        Assert.Contains("<unk>", e.Message);
    }

    [Fact]
    public void A_missing_split_names_the_file_and_the_three_a_folder_needs()
    {
        using var dir = new TempFolder();
        dir.Write("ptb.train.txt", " a \n");
        dir.Write("ptb.valid.txt", " a \n");
        var e = Assert.Throws<DataFormatException>(() => PennTreebank.Load(dir.Path));
        Assert.Equal(Path.Combine(dir.Path, "ptb.test.txt"), e.File);
        Assert.Contains("ptb.train.txt, ptb.valid.txt, ptb.test.txt", e.Message);

        var missing = Path.Combine(dir.Path, "nowhere");
        Assert.StartsWith($"{missing}: The folder does not exist. A PTB folder holds ptb.train.txt", Assert.Throws<DataFormatException>(() => PennTreebank.Load(missing)).Message);
    }

    [Fact]
    public void A_file_of_only_whitespace_has_no_words()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<DataFormatException>(() => PennTreebank.ReadTraining(dir.Write("blank.txt", " \n\n  \n")));
        Assert.Contains("no words", e.Message);
    }

    [Fact]
    public void A_fixed_vocabulary_without_eos_is_refused_before_reading()
    {
        using var dir = new TempFolder();
        var words = new Vocabulary(["a", "b"], " ");
        var e = Assert.Throws<ArgumentException>(() => PennTreebank.Read(dir.Write("v.txt", "a\n"), words));
        Assert.Contains("no <eos> token", e.Message);
    }

    [SharedDataFact("ptb")]
    public void Real_ptb_has_the_published_token_counts_and_a_ten_thousand_word_vocabulary()
    {
        string folder = SharedDataFactAttribute.Folder("ptb");
        var corpus = PennTreebank.Load(folder);

        Assert.Equal(10_000, corpus.Vocabulary.Count);
        Assert.Equal((929_589, 73_760, 82_430), (corpus.Train.Length, corpus.Valid.Length, corpus.Test.Length));
        int eos = corpus.Vocabulary.Id(PennTreebank.EndOfSentence);
        Assert.Equal((42_068, 3_370, 3_761), (corpus.Train.Tokens.Count(t => t == eos), corpus.Valid.Tokens.Count(t => t == eos), corpus.Test.Tokens.Count(t => t == eos)));

        var (vocabulary, words) = Reference(File.ReadAllText(Path.Combine(folder, "ptb.train.txt")));
        Assert.Equal(vocabulary, corpus.Vocabulary.Tokens);
        Assert.Equal(words.Select(w => corpus.Vocabulary.Id(w)), corpus.Train.Tokens);
    }
}
