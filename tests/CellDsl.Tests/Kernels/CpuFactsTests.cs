using System.Runtime.Intrinsics.X86;
using CellDsl.Kernels;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>The CPU facts the GEMM's kernel choice reads: sysfs text, cpuid fields, and the full-width table.</summary>
public class CpuFactsTests
{
    private static string CacheFolder(params (int Level, string Type, string Size)[] caches)
    {
        string folder = Directory.CreateTempSubdirectory("celldsl-cache-").FullName;
        for (int i = 0; i < caches.Length; i++)
        {
            string index = Directory.CreateDirectory(Path.Combine(folder, $"index{i}")).FullName;
            File.WriteAllText(Path.Combine(index, "level"), caches[i].Level + "\n");
            File.WriteAllText(Path.Combine(index, "type"), caches[i].Type + "\n");
            File.WriteAllText(Path.Combine(index, "size"), caches[i].Size + "\n");
        }
        return folder;
    }

    [Fact]
    public void Sysfs_cache_files_give_the_level_1_data_and_level_2_sizes()
    {
        // A Zen 5 core's folder as Linux writes it: the instruction cache and L3 must not be taken for L1d or L2.
        string folder = CacheFolder((1, "Instruction", "32K"), (1, "Data", "48K"), (2, "Unified", "1024K"), (3, "Unified", "32768K"));
        try
        {
            Assert.Equal((48 << 10, 1 << 20), CpuFacts.SysfsCaches(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Sysfs_entries_that_cannot_be_read_are_skipped_and_a_missing_folder_gives_nothing()
    {
        string folder = CacheFolder((1, "Data", "lots"), (2, "Unified", "2M"));
        try
        {
            Assert.Equal((null, 2 << 20), CpuFacts.SysfsCaches(folder));
            Assert.Equal((null, null), CpuFacts.SysfsCaches(Path.Combine(folder, "absent")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("32K", 32 << 10)]
    [InlineData("1024K", 1 << 20)]
    [InlineData("2M", 2 << 20)]
    [InlineData("1G", 1 << 30)]
    [InlineData("512", 512)]
    [InlineData("", null)]
    [InlineData("-1K", null)]
    [InlineData("K", null)]
    [InlineData("3G", null)]     // more than an int holds
    [InlineData("12 K", null)]
    public void Sizes_parse_as_sysfs_writes_them(string text, int? bytes) => Assert.Equal(bytes, CpuFacts.ParseSize(text));

    [Fact]
    public void A_cache_subleaf_decodes_to_ways_times_partitions_times_line_times_sets()
    {
        // Leaf 4 / 0x8000001D store each field minus one: EAX type (bits 4:0) and level (7:5), EBX ways (31:22),
        // partitions (21:12), line size (11:0), ECX sets.
        static (int, int, int) Leaf(int type, int level, int ways, int partitions, int line, int sets)
            => CpuFacts.CacheLeaf(type | level << 5, (ways - 1) << 22 | (partitions - 1) << 12 | (line - 1), sets - 1);
        Assert.Equal((1, 1, 32 << 10), Leaf(1, 1, ways: 8, partitions: 1, line: 64, sets: 64));
        Assert.Equal((3, 2, 1 << 20), Leaf(3, 2, ways: 8, partitions: 1, line: 64, sets: 2048));
        Assert.Equal((3, 2, 2 << 20), Leaf(3, 2, ways: 16, partitions: 1, line: 64, sets: 2048));
        Assert.Equal(0, CpuFacts.CacheLeaf(0, 0, 0).Type);
    }

    [Theory]
    [InlineData(0x00A10F11, 0x19, 0x11)]   // AMD EPYC Zen 4 (Genoa): base family F + extended A, model 1 | 1 << 4
    [InlineData(0x00B00F21, 0x1A, 0x02)]   // AMD Zen 5 (Turin)
    [InlineData(0x000806F8, 6, 0x8F)]      // Intel Sapphire Rapids: family 6, extended model 8
    [InlineData(0x00000F4A, 0xF, 0x4)]     // a Pentium 4: family F with no extension
    [InlineData(0x00000543, 5, 4)]         // family 5: the extended model is not used
    public void Family_and_model_follow_the_vendor_manuals_rules(int eax, int family, int model)
        => Assert.Equal((family, model), CpuFacts.Signature(eax));

    [Theory]
    [InlineData("AuthenticAMD", 0x19, VectorIsa.Avx512, false)]
    [InlineData("AuthenticAMD", 0x1A, VectorIsa.Avx512, true)]
    [InlineData("GenuineIntel", 6, VectorIsa.Avx512, true)]
    [InlineData("GenuineIntel", 6, VectorIsa.Avx2Fma, false)]
    [InlineData("AuthenticAMD", 0x1A, VectorIsa.Avx2Fma, false)]   // AVX-512 turned off (DOTNET_EnableAVX512F=0)
    [InlineData("Arm64", 0, VectorIsa.Vector128, false)]
    public void Full_width_512_bit_fmas_follow_the_table(string vendor, int family, VectorIsa isa, bool full)
        => Assert.Equal(full, CpuFacts.IsFullWidth512(vendor, family, isa));

    [CpuidCacheFact]
    public void Cpuid_cache_sizes_agree_with_sysfs_on_this_machine()
    {
        var facts = CpuFacts.Detect(CpuFacts.SysfsCacheFolder);
        var (l1d, l2) = CpuFacts.SysfsCaches(CpuFacts.SysfsCacheFolder);
        Assert.True(l1d is not null || l2 is not null, "sysfs reports neither cache");
        if (facts.L1dSource == CacheSource.Cpuid && l1d is not null) Assert.Equal(l1d, facts.L1dBytes);
        if (facts.L2Source == CacheSource.Cpuid && l2 is not null) Assert.Equal(l2, facts.L2Bytes);
    }

    [LinuxX86Fact]
    public void Cpuid_vendor_family_and_model_agree_with_proc_cpuinfo()
    {
        var facts = CpuFacts.Current;
        var fields = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0)
            .Where(l => l.Contains(':')).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        Assert.Equal(fields["vendor_id"], facts.Vendor);
        Assert.Equal(int.Parse(fields["cpu family"]), facts.Family);
        Assert.Equal(int.Parse(fields["model"]), facts.Model);
        Assert.Equal(fields["model name"], facts.ModelName);
    }

    [Fact]
    public void Facts_without_cache_answers_fall_back_to_sane_defaults()
    {
        var facts = CpuFacts.Detect(Path.Combine(Path.GetTempPath(), "celldsl-no-such-folder"));
        Assert.InRange(facts.L1dBytes, 4 << 10, 1 << 20);
        Assert.InRange(facts.L2Bytes, 64 << 10, 64 << 20);
        if (facts.L2Source == CacheSource.Default) Assert.Equal(CpuFacts.DefaultL2, facts.L2Bytes);
        if (facts.L1dSource == CacheSource.Default) Assert.Equal(CpuFacts.DefaultL1d, facts.L1dBytes);
    }
}

/// <summary>Runs where both cpuid and Linux's sysfs cache folder report cache sizes (x86 Linux, caches not hidden).</summary>
public sealed class CpuidCacheFactAttribute : FactAttribute
{
    public CpuidCacheFactAttribute()
    {
        if (!X86Base.IsSupported) Skip = "not x86: there is no cpuid to compare";
        else if (!Directory.Exists(CpuFacts.SysfsCacheFolder)) Skip = $"{CpuFacts.SysfsCacheFolder} does not exist here";
        else if (CpuFacts.Detect(Path.Combine(Path.GetTempPath(), "celldsl-no-such-folder")) is { L1dSource: not CacheSource.Cpuid, L2Source: not CacheSource.Cpuid })
            Skip = "cpuid reports no cache sizes on this machine (a hypervisor may hide them)";
    }
}

/// <summary>Runs on x86 Linux, where /proc/cpuinfo prints what cpuid says.</summary>
public sealed class LinuxX86FactAttribute : FactAttribute
{
    public LinuxX86FactAttribute()
    {
        if (!X86Base.IsSupported || !File.Exists("/proc/cpuinfo")) Skip = "not x86 Linux";
    }
}
