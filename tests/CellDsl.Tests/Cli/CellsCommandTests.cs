using CellDsl.Cli.Rendering;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Cli;

public class CellsCommandTests
{
    [Fact]
    public void Lists_every_zoo_cell_with_the_parameter_count_of_the_built_cell()
    {
        // Equal sizes, so every cell (mut1 and mut2 too) can be built and compared.
        var run = CliRun.Of("cells", "--input", "6", "--hidden", "6");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        foreach (var entry in CellZoo.All)
        {
            int expected = entry.Create(6, 6, 1).Parameters.Length;
            var line = run.LineOf(entry.Name);
            Assert.Contains($" {Numbers.Count(expected)}  {entry.Description}", line);
        }
    }

    [Fact]
    public void Rows_count_parameters_for_unequal_sizes_like_the_built_cells()
    {
        var rows = CellsTable.Rows(CellZoo.All, 3, 7);
        Assert.Equal(CellZoo.All.Count, rows.Count);
        foreach (var (entry, row) in CellZoo.All.Zip(rows))
        {
            Assert.Equal(entry.Name, row.Name);
            Assert.NotEmpty(row.Statements);
            if (row.Requirement is null)
                Assert.Equal(entry.Create(3, 7, 1).Parameters.Length, row.ParameterCount);
            else
                Assert.Null(row.ParameterCount);
        }
    }

    [Fact]
    public void Shows_the_step_equations()
    {
        var run = CliRun.Of("cells", "lstm");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("c = f * c + i * g;", run.Output);
        Assert.Contains("h = o * Tanh(c);", run.Output);
        Assert.DoesNotContain("gru", run.Output);
    }

    [Fact]
    public void Explains_why_mut1_needs_equal_sizes_instead_of_failing()
    {
        var run = CliRun.Of("cells", "mut1", "--input", "3", "--hidden", "5");
        Assert.Equal(0, run.ExitCode);
        var reason = DslPrinter.SquareRequirement(GraphText.Read(CellZoo.Get("mut1").Create(5, 5, 1).Definition));
        Assert.NotNull(reason);
        Assert.Contains($"needs input size == hidden size: {reason}", run.Output);
        Assert.StartsWith("mut1 ", run.LineOf("mut1"));
        Assert.Contains(" -  ", run.LineOf("mut1"));
    }

    [Fact]
    public void Plain_output_has_no_escape_codes()
    {
        var run = CliRun.Of("cells");
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain('\u001b', run.Output);
    }

    [Theory]
    [InlineData("--hidden", "0")]
    [InlineData("--input", "-4")]
    [InlineData("--input", "many")]
    public void Rejects_sizes_that_are_not_positive_whole_numbers(string option, string value)
    {
        var run = CliRun.Of("cells", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{option} must be a positive whole number, got '{value}'.", run.Error);
        Assert.Equal("", run.Output);
    }
}
