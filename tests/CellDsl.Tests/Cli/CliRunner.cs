using CellDsl.Cli;
using CellDsl.Cli.Rendering;

namespace CellDsl.Tests.Cli;

/// <summary>One celldsl invocation with its output captured, as a user would see it with output redirected.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static CliRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error, TextStyle.Plain);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The output line that starts with this cell's name column.</summary>
    public string LineOf(string cell)
        => Output.Split('\n').Single(l => l.StartsWith(cell + " ", StringComparison.Ordinal));
}
