using CellDsl.Training.Data;
using Xunit;

namespace CellDsl.Tests.Training.Data;

/// <summary>Every unusable file is a DataFormatException that says where and what to do, whichever reader meets it.</summary>
public class TextFileTests
{
    private static DataFormatException Fails(string path)
        => Assert.Throws<DataFormatException>(() => CharacterText.Load(path));

    [Fact]
    public void A_missing_file_is_named_with_the_folder_relative_paths_start_from()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "absent.txt");
        var e = Fails(path);
        Assert.Equal(path, e.File);
        Assert.StartsWith($"{path}: The file does not exist.", e.Message);
        Assert.Contains(Directory.GetCurrentDirectory(), e.Message);
    }

    [Fact]
    public void A_folder_where_a_file_is_expected_is_reported_as_such()
    {
        using var dir = new TempFolder();
        Assert.Contains("is a folder, not a file", Fails(dir.Path).Message);
    }

    [Fact]
    public void An_empty_file_and_one_holding_only_a_byte_order_mark_are_both_empty()
    {
        using var dir = new TempFolder();
        Assert.Contains("The file is empty.", Fails(dir.WriteBytes("empty.txt", [])).Message);
        Assert.Contains("The file is empty.", Fails(dir.WriteBytes("bom.txt", [0xEF, 0xBB, 0xBF])).Message);
    }

    [Fact]
    public void Invalid_utf8_is_located_by_line_and_byte_column()
    {
        using var dir = new TempFolder();
        // "ab\ncaf" then Latin-1 é (0xE9 followed by a non-continuation byte) on line 2, byte column 4.
        byte[] bytes = [(byte)'a', (byte)'b', (byte)'\n', (byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'!', (byte)'\n'];
        string path = dir.WriteBytes("latin1.txt", bytes);
        var e = Fails(path);
        Assert.Equal(2, e.Line);
        Assert.Equal(4, e.Column);
        Assert.StartsWith($"{path}:2:4: The file is not UTF-8: byte 0xE9 at byte offset 6", e.Message);
        Assert.Contains("iconv", e.Message);
    }

    [Fact]
    public void A_file_cut_inside_a_multibyte_character_says_so()
    {
        using var dir = new TempFolder();
        byte[] bytes = [(byte)'o', (byte)'k', 0xE2, 0x82];   // the first two bytes of € (E2 82 AC)
        var e = Fails(dir.WriteBytes("cut.txt", bytes));
        Assert.Equal((1, 3), (e.Line, e.Column));
        Assert.Contains("ends inside a multi-byte character", e.Message);
    }

    [Fact]
    public void A_byte_order_mark_is_not_a_character_of_the_text()
    {
        using var dir = new TempFolder();
        string text = string.Concat(Enumerable.Repeat("abcd", 20));
        string path = dir.WriteBytes("bom.txt", [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.ASCII.GetBytes(text)]);
        var corpus = CharacterText.Load(path);
        Assert.Equal(["a", "b", "c", "d"], corpus.Vocabulary.Tokens);
        Assert.Equal(text.Length, corpus.Train.Length + corpus.Valid.Length + corpus.Test.Length);
    }

    [Fact]
    public void The_ptb_reader_reports_bad_files_the_same_way()
    {
        using var dir = new TempFolder();
        Assert.Contains("The file is empty.", Assert.Throws<DataFormatException>(() => PennTreebank.ReadTraining(dir.WriteBytes("e.txt", []))).Message);
        var e = Assert.Throws<DataFormatException>(() => PennTreebank.ReadTraining(dir.WriteBytes("bad.txt", [(byte)' ', 0xFF])));
        Assert.Equal((1, 2), (e.Line, e.Column));
    }
}
