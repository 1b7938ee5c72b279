using CellDsl.Kernels;
using CellDsl.Tests.Numerics;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>The kernel choice table and the variable that forces a choice.</summary>
public class GemmKernelTableTests
{
    private static CpuFacts Facts(VectorIsa isa, int registers = 32, int l2 = 1 << 20) => new()
    {
        Vendor = "AuthenticAMD", Family = 0x19, Model = 0x11, ModelName = "test", Isa = isa, VectorRegisters = registers,
        FullWidth512 = false, L1dBytes = 32 << 10, L2Bytes = l2, L1dSource = CacheSource.Default, L2Source = CacheSource.Default,
    };

    [Theory]
    [InlineData(VectorIsa.Avx512, 32, "zmm12x32")]
    [InlineData(VectorIsa.Avx2Fma, 16, "ymm6x16")]
    [InlineData(VectorIsa.Vector128, 32, "xmm12x8")]
    [InlineData(VectorIsa.Vector128, 16, "xmm6x8")]
    public void The_tile_follows_the_isa_and_the_register_count(VectorIsa isa, int registers, string tile)
    {
        var kernel = GemmKernel.Choose(Facts(isa, registers));
        Assert.Equal(tile, kernel.Name);
        Assert.False(kernel.Forced);
        Assert.True(kernel.RunsOn(Facts(isa, registers)));
    }

    [Theory]
    [InlineData(1 << 20, 512, 768, 256)]       // the blocking measured best on Zen 4 and Zen 5 (1 MiB L2)
    [InlineData(2 << 20, 1024, 1536, 512)]
    [InlineData(512 << 10, 256, 384, 128)]
    [InlineData(1280 << 10, 640, 960, 320)]    // Ice Lake server's 1.25 MiB
    [InlineData(64 << 10, 64, 96, 32)]         // smaller than any real L2: the floor
    [InlineData(64 << 20, 2048, 3072, 1024)]   // a shared L2 reported whole: the ceiling
    public void Blocks_are_sized_from_the_l2(int l2, int nb, int mb, int prepackedNb)
    {
        var kernel = GemmKernel.Choose(Facts(VectorIsa.Avx512, l2: l2));
        Assert.Equal((nb, mb, prepackedNb), (kernel.NB, kernel.MB, kernel.PrepackedNB));
    }

    [Fact]
    public void Every_tile_is_named_by_its_shape_and_keeps_whole_panels_per_block()
    {
        foreach (int l2 in new[] { 64 << 10, 1 << 20, 3 << 20, 64 << 20 })
            foreach (var kernel in GemmKernel.All(l2))
            {
                Assert.Equal($"{kernel.TileRows}x{kernel.TileColumns}", kernel.Name[3..]);
                Assert.Equal(kernel.VectorBits switch { 512 => "zmm", 256 => "ymm", _ => "xmm" }, kernel.Name[..3]);
                Assert.True(kernel.NB % Sgemm.NR == 0 && kernel.PrepackedNB % Sgemm.NR == 0 && kernel.MB % Sgemm.MR == 0, kernel.ToString());
                Assert.True(kernel.PrepackedNB > 0 && kernel.PrepackedNB <= kernel.NB, kernel.ToString());
            }
    }

    [Fact]
    public void This_machines_default_is_the_zmm_tile_with_the_1_MiB_blocking_where_it_has_avx512_and_1_MiB_of_l2()
    {
        var facts = CpuFacts.Current;
        var kernel = GemmKernel.Choose(facts);
        if (facts.Isa != VectorIsa.Avx512 || facts.L2Bytes != 1 << 20) return;
        Assert.Equal(("zmm12x32", 512, 768, 256), (kernel.Name, kernel.NB, kernel.MB, kernel.PrepackedNB));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" auto ")]
    [InlineData("AUTO")]
    public void Unset_or_auto_gives_the_tables_choice(string? value)
        => Assert.Equal(GemmKernel.Choose(Facts(VectorIsa.Avx2Fma, 16)), GemmKernel.FromVariable(value, Facts(VectorIsa.Avx2Fma, 16)));

    [Fact]
    public void A_named_tile_is_forced_with_the_blocking_from_the_l2()
    {
        var kernel = GemmKernel.FromVariable("YMM12x16", Facts(VectorIsa.Avx512, l2: 2 << 20));
        Assert.Equal(("ymm12x16", true, 1024), (kernel.Name, kernel.Forced, kernel.NB));
    }

    [Fact]
    public void An_unknown_name_is_an_error_naming_the_variable_the_value_and_every_valid_tile()
    {
        var e = Assert.Throws<ArgumentException>(() => GemmKernel.FromVariable("zmm16x32", Facts(VectorIsa.Avx512)));
        Assert.Contains("CELLDSL_GEMM='zmm16x32'", e.Message);
        foreach (var name in GemmKernel.Names) Assert.Contains(name, e.Message);
        Assert.Contains("auto", e.Message);
    }

    [Fact]
    public void A_tile_the_machine_cannot_run_is_an_error_saying_what_is_missing_and_what_runs()
    {
        var e = Assert.Throws<ArgumentException>(() => GemmKernel.FromVariable("zmm12x32", Facts(VectorIsa.Avx2Fma, 16)));
        Assert.Contains("needs AVX-512", e.Message);
        Assert.Contains("ymm6x16, xmm6x8", e.Message);
        Assert.DoesNotContain("xmm12x8", e.Message);
        Assert.Throws<ArgumentException>(() => GemmKernel.FromVariable("ymm12x16", Facts(VectorIsa.Avx2Fma, 16)));
        Assert.Throws<ArgumentException>(() => GemmKernel.FromVariable("xmm12x8", Facts(VectorIsa.Vector128, 16)));
    }
}

/// <summary>Tests that set the process-wide kernel choice run alone, so the choice a test sets is the one its
/// products run with (any other test's results would be the same bits, but its speed would not).</summary>
[CollectionDefinition(nameof(GemmKernelCollection), DisableParallelization = true)]
public class GemmKernelCollection;

/// <summary>
/// Every kernel choice the machine runs (each tile, with the blocking of a 256 KiB, 1 MiB and 2 MiB L2 and a tiny one
/// that puts several blocks into every product here) computes the same bits as the default choice, and the default
/// agrees with the float64 reference.
/// </summary>
[Collection(nameof(GemmKernelCollection))]
public class GemmKernelChoiceTests
{
    private static IEnumerable<GemmKernel> Choices()
    {
        foreach (int l2 in new[] { 256 << 10, 1 << 20, 2 << 20 })
            foreach (var kernel in GemmKernel.All(l2).Where(k => k.RunsOn(CpuFacts.Current)))
            {
                yield return kernel;
                if (l2 == 1 << 20) yield return kernel with { NB = 64, MB = 24, PrepackedNB = 32 };
            }
    }

    private static T Under<T>(GemmKernel kernel, Func<T> run) => ProcessSetting.With(() => GemmKernel.Current, k => GemmKernel.Current = k, kernel, run);

    // Edge sizes (one element; 8-, 15-, 16- and 24-column right edges; every height of the last row panel; depths
    // past one and two KC blocks, and not a multiple of the 8 steps a transpose in registers takes), products the two
    // threads split by columns (20×800×200) and by rows (700×130×90).
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (7, 40, 300), (25, 47, 513), (13, 56, 31), (64, 96, 260), (77, 70, 300), (150, 330, 70),
        (11, 200, 9), (20, 800, 200), (700, 130, 90), (5, 48, 43), (30, 16, 20),
    ];

    private sealed record Case(string Name, float[] C);

    /// <summary>Every shape, transpose pair and accumulate flag, per call and with B prepacked; the split shapes also
    /// row by row (products too small to split: one thread).</summary>
    private static List<Case> Products(bool withReference)
    {
        var cases = new List<Case>();
        var rng = new CellRandom(43);
        foreach (var (m, n, k) in Shapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 3, ldc = n + 2;
                    var a = new float[(transA ? k : m) * lda]; rng.FillUniform(a, -1f, 1f);
                    var b = new float[(transB ? n : k) * ldb]; rng.FillUniform(b, -1f, 1f);
                    var c0 = new float[m * ldc]; rng.FillUniform(c0, -1f, 1f);
                    using var packed = new PackedMatrix();
                    packed.Pack(transB, k, n, b, 0, ldb);
                    foreach (bool accumulate in new[] { false, true })
                    {
                        string name = $"{m}×{n}×{k} transA={transA} transB={transB} accumulate={accumulate}";
                        var c = (float[])c0.Clone();
                        Sgemm.Multiply(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, c, 0, ldc, accumulate);
                        cases.Add(new Case(name, c));
                        var p = (float[])c0.Clone();
                        Sgemm.Multiply(transA, m, a, 0, lda, packed, p, 0, ldc, accumulate);
                        cases.Add(new Case(name + " prepacked", p));
                        if (withReference)
                        {
                            var expected = (float[])c0.Clone();
                            ReferenceGemm.Multiply(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, expected, 0, ldc, accumulate);
                            for (int i = 0; i < c.Length; i++)
                                Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-5f * (1 + k) && c[i] == p[i], $"{name}, element {i}: {c[i]}, prepacked {p[i]}, reference {expected[i]}");
                        }
                        if ((long)m * n * k < 1_000_000 || transA) continue;
                        var rows = (float[])c0.Clone();
                        for (int i = 0; i < m; i++)
                            Sgemm.Multiply(false, m: 1, a, i * lda, lda, packed, rows, i * ldc, ldc, accumulate);
                        cases.Add(new Case(name + " row by row", rows));
                    }
                }
        return cases;
    }

    private static void AssertSameBits(List<Case> expected, List<Case> actual, string label)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i].C, actual[i].C);
            int first = Enumerable.Range(0, e.Length).FirstOrDefault(j => BitConverter.SingleToInt32Bits(e[j]) != BitConverter.SingleToInt32Bits(a[j]), -1);
            Assert.True(first < 0, $"{label}: {actual[i].Name}, element {first}: {(first < 0 ? 0 : a[first])} vs {(first < 0 ? 0 : e[first])}");
        }
    }

    [Fact]
    public void Every_kernel_choice_computes_the_default_choices_bits_and_the_default_matches_the_reference()
    {
        var baseline = Under(GemmKernel.Choose(CpuFacts.Current), () => Products(withReference: true));
        int choices = 0;
        foreach (var kernel in Choices())
        {
            AssertSameBits(baseline, Under(kernel, () => Products(withReference: false)), kernel.ToString());
            choices++;
        }
        Assert.True(choices >= 4, $"only {choices} kernel choices ran");
    }

    /// <summary>Runs <paramref name="run"/> with every switch between two paths to the same bits on (the defaults) or
    /// off: operands read in place (Aᵀ, and A's rows) or packed, transposes in registers or gathers, edges of 8 columns
    /// in a one-vector tile written directly or in the half tile through scratch, op(B) packed once for all row blocks
    /// or once per block (the tiny blocking's MB = 24 gives most shapes several).</summary>
    private static T Paths<T>(bool on, Func<T> run)
    {
        var saved = (Sgemm.ReadInPlace, Sgemm.ReadRowsInPlace, Sgemm.TransposeInRegisters, Sgemm.NarrowEdges, Sgemm.PackBOnce);
        try
        {
            (Sgemm.ReadInPlace, Sgemm.ReadRowsInPlace, Sgemm.TransposeInRegisters, Sgemm.NarrowEdges, Sgemm.PackBOnce) = (on, on, on, on, on);
            return run();
        }
        finally
        {
            (Sgemm.ReadInPlace, Sgemm.ReadRowsInPlace, Sgemm.TransposeInRegisters, Sgemm.NarrowEdges, Sgemm.PackBOnce) = saved;
        }
    }

    [Fact]
    public void The_faster_paths_give_the_bits_of_the_paths_they_replace_under_every_kernel_choice()
    {
        // One comparison for all the switches: with them all on, every product here runs each faster path its shape
        // allows (combined, as the defaults combine them); with them all off, none.
        int choices = 0;
        foreach (var kernel in Choices())
        {
            var before = Paths(false, () => Under(kernel, () => Products(withReference: false)));
            var after = Paths(true, () => Under(kernel, () => Products(withReference: false)));
            AssertSameBits(before, after, $"{kernel}, in place, in-register transposes, narrow edges and B packed once against packing, gathers, half edges and B packed per block");
            choices++;
        }
        Assert.True(choices >= 4, $"only {choices} kernel choices ran");
    }

    [VectorFact]
    public void The_zoo_gives_its_recorded_bits_under_every_tile()
    {
        var expected = ZooGoldenTests.Recorded();
        foreach (var kernel in GemmKernel.All(1 << 20).Where(k => k.RunsOn(CpuFacts.Current)))
        {
            var actual = Under(kernel, ZooGoldenTests.Run);
            var changed = actual.Except(expected).ToList();
            Assert.True(changed.Count == 0, $"{kernel}: {changed.Count} results differ from the recorded ones, e.g. {changed.FirstOrDefault()}");
        }
    }
}
