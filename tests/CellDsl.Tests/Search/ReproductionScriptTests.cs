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

    /// <summary>Runs the script with a stand-in for celldsl that logs each command line and writes what the script
    /// reads back of a finished run (a test figure, the hidden size --match would choose).</summary>
    private static (int ExitCode, string Output, string Error, string[] Calls) RunScript(string dir, string rows)
    {
        string log = Path.Combine(dir, "calls.log"), fake = Path.Combine(dir, "celldsl.sh");
        File.WriteAllText(fake, $$"""
            echo "$*" >> '{{log}}'
            run=""; hidden=""
            while [ $# -gt 0 ]; do
              case $1 in --run) run=$2 ;; --hidden) hidden=$2 ;; --match) hidden=150 ;; esac
              shift
            done
            mkdir -p "$run"
            echo '{"step":100,"split":"test","value":0.25,"wallSeconds":12}' > "$run/metrics.jsonl"
            printf '{\n  "Model": {\n    "HiddenSize": %s,\n    "Cells": []\n  }\n}\n' "$hidden" > "$run/config.json"
            """);
        var info = new System.Diagnostics.ProcessStartInfo("bash", [RepoPaths.Docs("reproduce.sh"), Path.Combine(dir, "out")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["CELLDSL"] = "bash " + fake;
        info.Environment["TASKS"] = "arith xml";
        info.Environment["ROWS"] = rows;
        info.Environment.Remove("CELLDSL_DATA");
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result, File.Exists(log) ? File.ReadAllLines(log) : []);
    }

    [Fact]
    public void An_exported_cell_in_rows_is_trained_at_the_grus_parameter_count_and_gets_a_row_of_its_own()
    {
        string dir = Directory.CreateTempSubdirectory("celldsl-reproduce-").FullName;
        try
        {
            string cells = Directory.CreateDirectory(Path.Combine(dir, "cells")).FullName, cell = Path.Combine(cells, "Mutant7.cs");
            File.WriteAllText(cell, "// a cell search export wrote\n");
            string outDir = Path.Combine(dir, "out");
            var (code, output, error, calls) = RunScript(dir, "gru " + cell);
            Assert.True(code == 0, error);

            // The exported cell by --match, the same ParameterMatching that sized the zoo rows; the zoo row as before.
            Assert.Equal(
                [
                    $"train --preset arith --cell gru --hidden 148 --eval-every 0 --run {outDir}/arith-gru",
                    $"train --preset arith --cell {cell} --match gru:148 --eval-every 0 --run {outDir}/arith-Mutant7",
                    $"train --preset xml --cell gru --hidden 148 --eval-every 0 --run {outDir}/xml-gru",
                    $"train --preset xml --cell {cell} --match gru:148 --eval-every 0 --run {outDir}/xml-Mutant7",
                ], calls);
            Assert.Contains("| GRU | 148/148/100 | 0.250 (12 s) | 0.896 | 0.250 (12 s) | 0.460 | - | 0.091 |", output);
            Assert.Contains("| Mutant7 | 150/150/- | 0.250 (12 s) | - | 0.250 (12 s) | - | - | - |", output);

            // Finished runs are kept: a second pass trains nothing.
            Assert.Equal(calls, RunScript(dir, "gru " + cell).Calls);

            var missing = RunScript(dir, Path.Combine(cells, "Missing.cs"));
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("Missing.cs is not a file", missing.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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
