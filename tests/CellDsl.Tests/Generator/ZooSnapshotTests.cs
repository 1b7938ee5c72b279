using CellDsl.Tests.Generator.Support;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>
/// The generated source of five zoo cells, one per shape of emitted code, against the committed snapshots in
/// Snapshots/: the smallest cell, stacked gates (LSTM), peepholes and a loop before the step's GEMM (peephole LSTM),
/// a second stage per step (Cho's GRU), and input-width loops with the I == H check (MUT1). A snapshot is there to
/// be read when the emitter changes; the other cells' schedules are stated by PlanShapeTests, their numbers by the
/// oracle, gradient and golden tests.
/// </summary>
public class ZooSnapshotTests
{
    private static readonly string[] Shapes = ["TanhRnn", "Lstm", "PeepholeLstm", "Gru", "Mut1"];

    public static TheoryData<string> CellNames() => new(Shapes);

    [Theory]
    [MemberData(nameof(CellNames))]
    public void Generated_source_matches_snapshot(string cell)
    {
        Assert.Empty(ZooSources.Run.Diagnostics);
        Snapshot.Verify(cell, ZooSources.Run.Source(cell).Text);
    }

    [Fact]
    public void Zoo_output_compiles_without_warnings()
    {
        Assert.Null(ZooSources.Run.Result.Exception);
        GeneratorHarness.AssertCompiles(ZooSources.Run);
    }

    [Fact]
    public void No_generated_line_of_any_zoo_cell_is_longer_than_120_characters()
    {
        var lines = ZooSources.Run.Sources
            .SelectMany(f => Snapshot.Normalize(f.Text).Split('\n').Select((l, i) => (File: f.HintName, Line: i + 1, Text: l)))
            .Where(l => l.Text.Length > 120)
            .Select(l => $"{l.File}:{l.Line} ({l.Text.Length})")
            .ToList();
        Assert.True(lines.Count == 0, "Lines over 120 characters: " + string.Join(", ", lines));
    }

    [Fact]
    public void Generated_code_names_runtime_types_only()
    {
        // The harness compiles without CellDsl.Compiler.dll, so every compiling test shows it; this names the culprit.
        Assert.DoesNotContain(GeneratorHarness.References, r => r.Display?.EndsWith("CellDsl.Compiler.dll", StringComparison.Ordinal) == true);
        foreach (var f in ZooSources.Run.Sources) Assert.DoesNotContain("CellDsl.Compiler", f.Text);
        // The emitter writes the compiler's member names into the runtime's enums (the core cannot reference the runtime).
        Assert.Equal(Enum.GetNames<CellDsl.Compiler.Graph.ParamKind>(), Enum.GetNames<ParamKind>());
        Assert.Equal(Enum.GetNames<CellDsl.Compiler.Graph.InitKind>(), Enum.GetNames<InitKind>());
    }

    [Fact]
    public void Every_zoo_cell_is_registered_and_generated_once()
    {
        var declared = ZooSources.CellNames();
        var registered = CellZoo.All.Select(e => e.Create(4, 4, 0).GetType().Name).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(declared, registered);
        Assert.Equal(declared.Select(c => "CellDsl.Zoo." + c + ".g.cs"), ZooSources.Run.Sources.Select(s => s.HintName));
    }

    [Fact]
    public void No_snapshot_is_left_without_its_cell()
    {
        // A renamed or removed cell must take its snapshot with it, or the folder fills with files nobody checks.
        Assert.All(Shapes, c => Assert.Contains(c, ZooSources.CellNames()));
        var expected = Shapes.Select(c => c + ".verified.cs").ToHashSet(StringComparer.Ordinal);
        var stale = Directory.GetFiles(RepoPaths.SnapshotFolder, "*.verified.cs")
            .Select(Path.GetFileName)
            .Where(f => !expected.Contains(f!))
            .ToList();
        Assert.True(stale.Count == 0, "Snapshots no test checks: " + string.Join(", ", stale));
    }
}
