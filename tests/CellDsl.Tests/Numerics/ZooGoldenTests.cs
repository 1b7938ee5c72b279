using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using System.Text;
using CellDsl.Compiler.Graph;
using CellDsl.Tests.Generator.Support;
using CellDsl.Zoo;
using Xunit;
using Xunit.Sdk;

namespace CellDsl.Tests.Numerics;

/// <summary>
/// Every zoo cell's Forward and Backward on fixed inputs, bit for bit against values recorded before a refactoring of
/// the compiler: a change that keeps the arithmetic order keeps every bit. The fixture holds a hash of each result
/// (outputs, final states, every gradient, dx, d initial state); record it again with CELLDSL_RECORD_GOLDEN=1 only
/// when a change of arithmetic order is intended, and say why in the commit.
/// </summary>
public class ZooGoldenTests
{
    private const string RecordVariable = "CELLDSL_RECORD_GOLDEN";
    private const int T = 4, B = 3;

    private static string FixturePath => Path.Combine(RepoPaths.Root, "tests", "CellDsl.Tests", "Fixtures", "golden", "zoo.txt");

    /// <summary>Widths that are whole multiples of 8 lanes, so every column runs in a vector path whether the machine
    /// has 512- or only 256-bit vectors (the lanes compute the same bits); the scalar tail (MathF.Exp) is never used.</summary>
    private static (int I, int H) Sizes(CellGraph g) => GraphAnalysis.SquareRequirement(g) is null ? (8, 16) : (16, 16);

    /// <summary>"cell quantity count hash" lines, one per result of every zoo cell.</summary>
    internal static List<string> Run()
    {
        var lines = new List<string>();
        foreach (var entry in CellZoo.All)
        {
            var graph = GraphText.Read(entry.Create(4, 4, 1).Definition);
            var (I, H) = Sizes(graph);
            var cell = entry.Create(I, H, 5);
            ZooOracleTests.RandomizeBiases(cell, 6);
            var run = CellRun.Of(cell, graph, T, B, seed: 7);

            void Add(string what, ReadOnlySpan<float> v) => lines.Add($"{entry.Name} {what} {v.Length} {Hash(v)}");
            Add("output", run.Output);
            Add("final-states", run.FinalStates);
            foreach (var p in cell.ParameterLayout) Add("d" + p.Name, run.Gradients.AsSpan(p.Offset, p.Length));
            Add("dx", run.Dx);
            Add("d-initial-state", run.DInitialState);
        }
        return lines;
    }

    private static string Hash(ReadOnlySpan<float> v)
        => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(v))).Substring(0, 16).ToLowerInvariant();

    /// <summary>The fixture's result lines.</summary>
    internal static List<string> Recorded()
    {
        Assert.True(File.Exists(FixturePath), $"{FixturePath} is missing; record it with {RecordVariable}=1 on a tree whose numerics are trusted.");
        return File.ReadAllLines(FixturePath).Where(l => l.Length > 0 && l[0] != '#').ToList();
    }

    [VectorFact]
    public void Zoo_results_are_bit_identical_to_the_recorded_ones()
    {
        var actual = Run();
        if (Environment.GetEnvironmentVariable(RecordVariable) == "1")
        {
            var header = new[]
            {
                "# Zoo Forward/Backward results on fixed inputs, as SHA-256 prefixes of their float bits; written by",
                $"# ZooGoldenTests with {RecordVariable}=1. T={T.ToString(CultureInfo.InvariantCulture)}, B={B.ToString(CultureInfo.InvariantCulture)}, I=8 (16 where the cell needs I == H), H=16.",
            };
            File.WriteAllText(FixturePath, string.Join("\n", header.Concat(actual)) + "\n", new UTF8Encoding(false));
            throw new XunitException($"Recorded {actual.Count} results at {FixturePath} because {RecordVariable}=1; run again without it.");
        }
        var expected = Recorded();
        var changed = expected.Except(actual).ToList();
        var added = actual.Except(expected).ToList();
        Assert.True(changed.Count == 0 && added.Count == 0,
            $"{changed.Count} recorded results changed. Recorded:\n  {string.Join("\n  ", changed.Take(10))}\nNow:\n  {string.Join("\n  ", added.Take(10))}");
    }
}

/// <summary>A fact that runs only where 256-bit vectors are accelerated (the recorded bits are the vector lanes').</summary>
public sealed class VectorFactAttribute : FactAttribute
{
    public VectorFactAttribute()
    {
        if (!Vector256.IsHardwareAccelerated) Skip = "this machine has no accelerated 256-bit vectors, whose bits the fixture records";
    }
}
