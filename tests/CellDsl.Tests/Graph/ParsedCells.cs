using CellDsl.Compiler.Graph;
using CellDsl.Generator.Parsing;
using CellDsl.Tests.Generator.Support;
using Xunit;

namespace CellDsl.Tests.Graph;

/// <summary>Graphs of cells declared in a string or in the zoo, as the parser makes them.</summary>
internal static class ParsedCells
{
    public static CellGraph Parse(string declaration)
    {
        var parsed = CellParser.ParseSource("using CellDsl;\nusing static CellDsl.CellOps;\n\n" + declaration);
        Assert.True(parsed?.Model is not null && parsed.Diagnostics.Count == 0,
            "The declaration does not parse cleanly:\n" + string.Join("\n", parsed?.Diagnostics.Select(d => d.ToString()) ?? ["no [RnnCell] class"]) + "\n" + declaration);
        return parsed!.Model!.Graph;
    }

    /// <summary>A one-state cell whose Step body is <paramref name="body"/>.</summary>
    public static CellGraph Body(string body, string name = "C")
        => Parse($"[RnnCell]\npublic partial class {name}\n{{\n    static void Step(Var x, ref Var h) {{ {body} }}\n}}\n");

    public static CellGraph Zoo(string name)
    {
        var parsed = CellParser.Parse(ZooSources.Cells().Single(c => c.Identifier.ValueText == name));
        Assert.Empty(parsed.Diagnostics);
        return parsed.Model!.Graph;
    }
}
