using System.Text;
using CellDsl.Training.Data;
using Xunit;

namespace CellDsl.Tests.Training.Data;

public class CharacterTextTests
{
    private static string Decode(TokenStream s) => s.Vocabulary.Decode(s.Tokens);

    [Fact]
    public void One_file_splits_90_5_5_by_position_with_the_training_characters_in_ordinal_order()
    {
        using var dir = new TempFolder();
        // 200 characters; valid and test repeat training characters only.
        string text = string.Concat(Enumerable.Range(0, 200).Select(i => "zyxwvu\n"[i % 7]));
        var corpus = CharacterText.Load(dir.Write("t.txt", text));

        Assert.Equal(text[..180], Decode(corpus.Train));
        Assert.Equal(text[180..190], Decode(corpus.Valid));
        Assert.Equal(text[190..], Decode(corpus.Test));
        Assert.Equal(["\n", "u", "v", "w", "x", "y", "z"], corpus.Vocabulary.Tokens);
        Assert.Equal("", corpus.Vocabulary.Separator);
        Assert.Equal(Metric.BitsPerCharacter, corpus.Metric);
        Assert.Equal("t.txt", corpus.Name);
    }

    [Fact]
    public void Tokens_are_scalar_values_so_an_astral_character_is_one_token_and_a_combining_mark_another()
    {
        using var dir = new TempFolder();
        // "e" + combining acute is one text element but two scalar values; 😀 is two UTF-16 units but one scalar.
        string train = "ae\u0301😀b", valid = "😀a", test = "e\u0301";
        var corpus = CharacterText.Load(dir.Write("tr.txt", train), dir.Write("va.txt", valid), dir.Write("te.txt", test));
        Assert.Equal(["a", "b", "e", "\u0301", "😀"], corpus.Vocabulary.Tokens);
        Assert.Equal(5, corpus.Train.Length);
        Assert.Equal(valid, Decode(corpus.Valid));
        Assert.Equal(test, Decode(corpus.Test));
    }

    [Fact]
    public void Crlf_is_read_as_lf_and_a_lone_cr_stays_a_character()
    {
        using var dir = new TempFolder();
        var corpus = CharacterText.Load(dir.Write("a.txt", "ab\r\ncd\re\r\n"), dir.Write("b.txt", "a\r\n"), dir.Write("c.txt", "\rb"));
        Assert.Equal("ab\ncd\re\n", Decode(corpus.Train));
        Assert.Equal(["\n", "\r", "a", "b", "c", "d", "e"], corpus.Vocabulary.Tokens);
        Assert.Equal("a\n", Decode(corpus.Valid));
    }

    [Fact]
    public void A_test_character_missing_from_training_is_named_with_its_line_and_column()
    {
        using var dir = new TempFolder();
        string test = dir.Write("c.txt", "ab\nb\u00e9a\n");
        var e = Assert.Throws<DataFormatException>(() => CharacterText.Load(dir.Write("a.txt", "ab\n"), dir.Write("b.txt", "ba"), test));
        Assert.Equal((test, 2, 2), (e.File, e.Line, e.Column));
        Assert.StartsWith($"{test}:2:2: The character 'é' (U+00E9) does not occur in the training text", e.Message);
    }

    [Fact]
    public void In_a_split_file_the_place_of_an_unknown_character_is_its_place_in_the_whole_file()
    {
        using var dir = new TempFolder();
        string text = new string('a', 59) + "\n" + new string('a', 30) + "\n" + "aa\tb" + new string('a', 5);
        Assert.Equal(100, text.Length);   // train is [0, 90), valid [90, 95): the tab (index 93) and the b are in valid
        string path = dir.Write("s.txt", text);
        var e = Assert.Throws<DataFormatException>(() => CharacterText.Load(path));
        Assert.Equal((path, 3, 3), (e.File, e.Line, e.Column));
        Assert.Contains("The character (U+0009) in the valid 5% part does not occur", e.Message);
    }

    [Fact]
    public void A_text_too_short_to_split_asks_for_a_longer_one()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<DataFormatException>(() => CharacterText.Load(dir.Write("s.txt", "short text")));
        Assert.Contains("only 10 characters", e.Message);
        Assert.Contains("separate train, valid and test files", e.Message);
    }

    [Fact]
    public void A_file_of_one_character_has_no_prediction_to_make_and_is_refused()
    {
        using var dir = new TempFolder();
        string valid = dir.Write("v.txt", "\r\n");   // one character once \r\n is read as \n
        var e = Assert.Throws<DataFormatException>(() => CharacterText.Load(dir.Write("a.txt", "ab\n"), valid, dir.Write("t.txt", "ab")));
        Assert.Equal(valid, e.File);
        Assert.Contains("has 1 character: a stream needs at least 2", e.Message);
    }

    [SharedDataFact("tinyshakespeare")]
    public void Tiny_shakespeare_reads_as_its_characters_with_all_65_in_the_training_part()
    {
        string path = Path.Combine(SharedDataFactAttribute.Folder("tinyshakespeare"), "input.txt");
        string text = File.ReadAllText(path, Encoding.UTF8);
        var corpus = CharacterText.Load(path);
        Assert.Equal(1_115_394, corpus.Train.Length + corpus.Valid.Length + corpus.Test.Length);
        Assert.Equal(1_115_394 * 9 / 10, corpus.Train.Length);
        Assert.Equal(65, corpus.Vocabulary.Count);
        Assert.Equal(text.Distinct().Order().Select(c => c.ToString()), corpus.Vocabulary.Tokens);
        Assert.Equal(text, Decode(corpus.Train) + Decode(corpus.Valid) + Decode(corpus.Test));
    }
}
