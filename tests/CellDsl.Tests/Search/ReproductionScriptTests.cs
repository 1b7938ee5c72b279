using System.Globalization;
using System.Text.RegularExpressions;
using CellDsl.Search.Candidates;
using CellDsl.Search.Evaluation;
using CellDsl.Tests.Generator.Support;
using CellDsl.Training.Data.Tasks;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Search;

/// <summary>
/// docs/reproduce.sh trains the rows of the paper's Table 1 at hidden sizes written into the script; these tests hold
/// those sizes to the search's parameter matching, so the reproduction compares cells at the GRU's parameter count
/// as the search does, and the rows to the zoo.
/// </summary>
public partial class ReproductionScriptTests
{
    private const int PtbVocabulary = 10_000;

    private sealed record Row(string Name, string Cell, int Arith, int Xml, int Ptb);

    [GeneratedRegex("""^\s*"(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+"$""", RegexOptions.Multiline)]
    private static partial Regex RowLine();

    private static List<Row> Rows()
    {
        string script = File.ReadAllText(RepoPaths.Docs("reproduce.sh"));
        int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
        return RowLine().Matches(script).Select(m => new Row(m.Groups[1].Value, m.Groups[2].Value, Int(m.Groups[3]), Int(m.Groups[4]), Int(m.Groups[5]))).ToList();
    }

    [Fact]
    public void The_script_trains_every_row_of_the_papers_table_1_with_a_zoo_cell()
    {
        var rows = Rows();
        Assert.Equal(["Tanh", "LSTM", "LSTM-f", "LSTM-i", "LSTM-o", "LSTM-b", "GRU", "MUT1", "MUT2", "MUT3"], rows.Select(r => r.Name));
        foreach (var r in rows) Assert.Equal(r.Cell, CellZoo.Get(r.Cell).Name);
    }

    [Fact]
    public void The_scripts_hidden_sizes_match_each_model_to_the_grus_parameter_count()
    {
        var gru = Baselines.Gru;
        var rows = Rows();
        Assert.NotEmpty(rows);
        foreach (var r in rows)
        {
            var cell = Baselines.Of(r.Cell);
            Assert.True(r.Arith == ParameterMatching.Matched(cell, gru, 148, 1, ArithTask.Alphabet.Length), $"{r.Name}: Arith hidden {r.Arith}");
            Assert.True(r.Xml == ParameterMatching.Matched(cell, gru, 148, 1, XmlTask.Alphabet.Length), $"{r.Name}: XML hidden {r.Xml}");
            Assert.True(r.Ptb == ParameterMatching.Matched(cell, gru, 100, 1, PtbVocabulary), $"{r.Name}: PTB hidden {r.Ptb}");
        }
    }
}
