using CellDsl.Training.Data;
using Xunit;

namespace CellDsl.Tests.Training.Data;

public class PianoRollTests
{
    private const string Small = """
        {"train": [[[60, 64, 67], [], [21, 108]], [[62]]],
         "valid": [[[60], [61]]],
         "test": [[[72, 76]]]}
        """;

    [Fact]
    public void Each_step_becomes_an_88_note_frame_with_ones_at_the_sounding_keys()
    {
        using var dir = new TempFolder();
        var corpus = PianoRoll.Load(dir.Write("roll.json", Small));
        Assert.Equal(2, corpus.Train.Count);
        Assert.Equal(4, corpus.Train.Frames);
        Assert.Equal(3, corpus.Train.Longest);
        Assert.Equal(new[] { 3, 1 }, new[] { corpus.Train.Length(0), corpus.Train.Length(1) });
        var roll = corpus.Train.Sequences[0];
        Assert.Equal(3 * 88, roll.Length);
        var onAt = Enumerable.Range(0, roll.Length).Where(i => roll[i] != 0f).Select(i => (Step: i / 88, Midi: i % 88 + 21)).ToArray();
        Assert.Equal(new[] { (0, 60), (0, 64), (0, 67), (2, 21), (2, 108) }, onAt);
        Assert.All(roll, v => Assert.True(v is 0f or 1f));
        Assert.Equal(2, corpus.Valid.Frames);
        Assert.Equal(1, corpus.Test.Frames);
        Assert.Contains("roll.json (valid)", corpus.Valid.Source);
    }

    [Theory]
    [InlineData("{\"train\": [[[60]]], \"valid\": [[[60]]]}", "no \"test\" split")]
    [InlineData("{\"train\": [[[60]]], \"valid\": [[]], \"test\": [[[60]]]}", "\"valid\" chorale 0 is empty")]
    [InlineData("{\"train\": [[[60]], [[60], [61, 20]]], \"valid\": [[[60]]], \"test\": [[[60]]]}", "\"train\" chorale 1 step 1 holds MIDI note 20, outside the piano's 21..108")]
    [InlineData("{\"train\": [[[109]]], \"valid\": [[[60]]], \"test\": [[[60]]]}", "MIDI note 109")]
    [InlineData("{\"train\": [[[60.5]]], \"valid\": [[[60]]], \"test\": [[[60]]]}", "holds 60.5, not a whole MIDI note number")]
    [InlineData("{\"train\": [[60]], \"valid\": [[[60]]], \"test\": [[[60]]]}", "\"train\" chorale 0 step 0 is a JSON number, not a list of notes")]
    [InlineData("{\"train\": {}, \"valid\": [[[60]]], \"test\": [[[60]]]}", "\"train\" is a JSON object, not a list of chorales")]
    [InlineData("{\"train\": [], \"valid\": [[[60]]], \"test\": [[[60]]]}", "\"train\" holds no chorales")]
    [InlineData("[[[60]]]", "top level is a JSON list")]
    public void Malformed_content_is_an_error_naming_the_file_and_the_place(string json, string expected)
    {
        using var dir = new TempFolder();
        string file = dir.Write("bad.json", json);
        var e = Assert.Throws<DataFormatException>(() => PianoRoll.Load(file));
        Assert.StartsWith(file + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_file_that_is_not_json_is_an_error_at_its_line_and_column()
    {
        using var dir = new TempFolder();
        string file = dir.Write("bad.json", "{\"train\": [[[60]]],\n \"valid\": [[[60]]] oops}");
        var e = Assert.Throws<DataFormatException>(() => PianoRoll.Load(file));
        Assert.Equal(2, e.Line);
        Assert.StartsWith($"{file}:2:", e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void A_missing_or_empty_file_is_an_error_naming_it()
    {
        using var dir = new TempFolder();
        string missing = Path.Combine(dir.Path, "none.json");
        Assert.Contains("does not exist", Assert.Throws<DataFormatException>(() => PianoRoll.Load(missing)).Message);
        Assert.Contains("empty", Assert.Throws<DataFormatException>(() => PianoRoll.Load(dir.Write("empty.json", ""))).Message);
    }

    [Fact]
    public void The_token_corpus_loader_sends_jsb_to_the_piano_roll_reader_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Corpora.Load("jsb", "x"));
        Assert.Contains("load it with Corpora.JsbChorales", e.Message);
        using var dir = new TempFolder();
        Directory.CreateDirectory(Path.Combine(dir.Path, "music", "jsb_chorales"));
        dir.Write(PianoRoll.JsbChoralesFile, Small);
        Assert.Equal(2, Corpora.JsbChorales(dir.Path).Train.Count);   // a data folder finds the file in its place
    }

    [SharedDataFact("music/jsb_chorales")]
    public void The_jsb_chorales_have_the_boulanger_lewandowski_split_counts()
    {
        var corpus = Corpora.JsbChorales(Environment.GetEnvironmentVariable(SharedDataFactAttribute.Variable)!);
        Assert.Equal((229, 13_807), (corpus.Train.Count, corpus.Train.Frames));
        Assert.Equal((76, 4_602), (corpus.Valid.Count, corpus.Valid.Frames));
        Assert.Equal((77, 4_725), (corpus.Test.Count, corpus.Test.Frames));
        // The notes the source lists, 43..96, all inside the piano range the frames span.
        var used = new[] { corpus.Train, corpus.Valid, corpus.Test }.SelectMany(s => s.Sequences)
            .SelectMany(r => Enumerable.Range(0, r.Length).Where(i => r[i] != 0f).Select(i => i % 88 + 21)).ToHashSet();
        Assert.Equal(43, used.Min());
        Assert.Equal(96, used.Max());
    }
}
