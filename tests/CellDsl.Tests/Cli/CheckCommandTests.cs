using System.Text.RegularExpressions;
using CellDsl.Cli.Checking;
using CellDsl.Cli.Commands;
using CellDsl.Cli.Rendering;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Cli;

public class CheckCommandTests
{
    [Fact]
    public void Lstm_and_gru_pass_with_exit_code_0()
    {
        var run = CliRun.Of("check", "lstm", "gru");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        Assert.StartsWith("lstm  PASS  forward ", run.LineOf("lstm"));
        Assert.StartsWith("gru   PASS  forward ", run.LineOf("gru"));
        Assert.Contains("2 passed in ", run.Output);
        // Every tensor the report compares is printed: parameters, the input and each initial state.
        foreach (var tensor in new[] { "W_x_i", "W_h_o", "b_f", "x ", "h0", "c0", "W_rh_n", "b_n" })
            Assert.Contains(tensor, run.Output);
    }

    [Fact]
    public void Checks_the_whole_zoo_by_default()
    {
        var run = CliRun.Of("check");
        Assert.Equal(0, run.ExitCode);
        foreach (var entry in CellZoo.All)
            Assert.Contains(" PASS ", run.LineOf(entry.Name));
        Assert.Contains($"{CellZoo.All.Count} passed in ", run.Output);
    }

    [Fact]
    public void A_tolerance_nothing_meets_fails_with_exit_code_1()
    {
        var run = CliRun.Of("check", "gru", "--tolerance", "1e-30");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("gru  FAIL  forward ", run.LineOf("gru"));
        Assert.Contains("0 passed, 1 failed (gru)", run.Output);
        Assert.Contains("!", run.Output);
    }

    [Fact]
    public void Verdict_follows_the_tolerance_between_the_errors()
    {
        // A tolerance between the smallest and largest error: some tensors pass, the cell fails, and only the
        // tensors above the tolerance carry the mark.
        var settings = new CheckSettings(["lstm"], 4, 4, 3, 2, 1, 1e-4);
        var report = CellCheck.Run(CellZoo.Get("lstm"), settings).Report!;
        var errors = report.Gradients.Select(g => g.Relative).Order().ToList();
        double between = (errors[0] + errors[^1]) / 2;
        var output = new StringWriter();
        int code = CheckCommand.Run(settings with { Tolerance = between }, output, TextStyle.Plain);
        Assert.Equal(1, code);
        string text = output.ToString();
        foreach (var g in report.Gradients)
        {
            // Names are padded into columns, so any run of spaces may separate a name from its error.
            bool marked = Regex.IsMatch(text, $@"(^|\s){Regex.Escape(g.Name)} +{Regex.Escape(Numbers.Error(g.Relative))}!");
            Assert.Equal(g.Relative > between, marked);
        }
    }

    [Fact]
    public void An_unknown_cell_exits_2_and_lists_the_cells()
    {
        var run = CliRun.Of("check", "lstm", "no-such-cell");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("There is no cell 'no-such-cell' in the zoo.", run.Error);
        foreach (var entry in CellZoo.All)
            Assert.Contains(entry.Name, run.Error);
        Assert.DoesNotContain("(Parameter", run.Error);
        Assert.Contains("celldsl check --help", run.Error);
        Assert.Equal("", run.Output);
    }

    [Theory]
    [InlineData("--steps", "0", "--steps must be a positive whole number, got '0'.")]
    [InlineData("--batch", "-1", "--batch must be a positive whole number, got '-1'.")]
    [InlineData("--hidden", "0", "--hidden must be a positive whole number, got '0'.")]
    [InlineData("--tolerance", "0", "--tolerance must be a positive number such as 1e-4, got '0'.")]
    [InlineData("--tolerance", "tiny", "--tolerance must be a positive number such as 1e-4, got 'tiny'.")]
    public void Bad_arguments_exit_2_with_a_clear_message(string option, string value, string message)
    {
        var run = CliRun.Of("check", "tanh", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public void Mut1_with_unequal_sizes_explains_the_requirement_and_checks_nothing()
    {
        var run = CliRun.Of("check", "mut1", "--input", "3", "--hidden", "5");
        Assert.Equal(2, run.ExitCode);
        var line = run.LineOf("mut1");
        Assert.StartsWith("mut1  SKIP  needs input size == hidden size: ", line);
        Assert.Contains("combines the input x with hidden-size values", line);
        Assert.Contains("give --input and --hidden the same value", run.Output);
    }

    [Fact]
    public void Cells_that_need_equal_sizes_are_skipped_while_the_others_are_checked()
    {
        var run = CliRun.Of("check", "tanh", "mut2", "--input", "3", "--hidden", "5");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(" PASS ", run.LineOf("tanh"));
        Assert.Contains(" SKIP ", run.LineOf("mut2"));
        Assert.Contains("1 passed, 1 skipped (mut2: sizes differ)", run.Output);
    }

    [Fact]
    public void Help_names_the_tool_and_the_options()
    {
        var run = CliRun.Of("check", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("celldsl check [<CELL>...] [options]", run.Output);
        foreach (var option in new[] { "--input", "--hidden", "--steps", "--batch", "--seed", "--tolerance" })
            Assert.Contains(option, run.Output);
    }

    [Fact]
    public void Without_a_command_prints_help_and_exits_2()
    {
        var run = CliRun.Of();
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cells", run.Output);
        Assert.Contains("check", run.Output);
    }
}
