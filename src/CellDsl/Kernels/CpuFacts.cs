using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace CellDsl.Kernels
{
    /// <summary>The widest vectors .NET accelerates on this machine, as the GEMM's kernels use them.</summary>
    public enum VectorIsa
    {
        /// <summary>128-bit vectors only (Arm NEON, or x86 without AVX2 and FMA).</summary>
        Vector128 = 128,
        /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA3), 16 vector registers.</summary>
        Avx2Fma = 256,
        /// <summary>512-bit vectors (AVX-512 F/BW/CD/DQ/VL: <see cref="Vector512.IsHardwareAccelerated"/>), 32 registers.</summary>
        Avx512 = 512,
    }

    /// <summary>Where a cache size came from.</summary>
    public enum CacheSource { Cpuid, Sysfs, Default }

    /// <summary>
    /// What the GEMM needs to know about the CPU: vendor, family and model (cpuid), the vector ISA .NET accelerates,
    /// whether 512-bit FMAs run at full width, and the per-core L1d and L2 sizes (cpuid leaf 4 on Intel, 0x8000001D on
    /// AMD; else /sys/devices/system/cpu/cpu0/cache; else 32 KiB and 1 MiB).
    /// </summary>
    /// <remarks>
    /// Full width is a table, not a measurement: AMD family 0x19 (Zen 4) splits a 512-bit FMA into two 256-bit halves
    /// ("double-pumped": zmm and ymm reach the same FLOP/s), family 0x1A (Zen 5) and Intel's AVX-512 parts run them at
    /// full width (server parts with two FMA units assumed; Zen 5's mobile parts and Intel's one-unit parts are
    /// double-pumped in effect and the table does not tell them apart). A timing probe at start-up could tell, but on a
    /// shared two-vCPU machine its answer would move with the load, and so would the kernel a run picks; the benchmark
    /// script measures the zmm and ymm roofs instead (peers/fma_peak.c) and prints them beside the choice.
    /// </remarks>
    public sealed record CpuFacts
    {
        /// <summary>The cpuid vendor string (GenuineIntel, AuthenticAMD, ...), or the processor architecture off x86.</summary>
        public required string Vendor { get; init; }
        /// <summary>The display family (base family, plus the extended family when the base is 0xF); 0 off x86.</summary>
        public required int Family { get; init; }
        /// <summary>The display model (with the extended model for families 6 and 0xF and up); 0 off x86.</summary>
        public required int Model { get; init; }
        /// <summary>The brand string (cpuid 0x80000002–4), or /proc/cpuinfo's model name, or "unknown".</summary>
        public required string ModelName { get; init; }
        public required VectorIsa Isa { get; init; }
        /// <summary>Architectural vector registers: 32 with AVX-512 or on Arm64, 16 otherwise.</summary>
        public required int VectorRegisters { get; init; }
        /// <summary>Whether a 512-bit FMA runs at the full width (false without AVX-512); see the table in the remarks.</summary>
        public required bool FullWidth512 { get; init; }
        public required int L1dBytes { get; init; }
        public required int L2Bytes { get; init; }
        public required CacheSource L1dSource { get; init; }
        public required CacheSource L2Source { get; init; }

        internal const int DefaultL1d = 32 << 10, DefaultL2 = 1 << 20;
        internal const string SysfsCacheFolder = "/sys/devices/system/cpu/cpu0/cache";

        private static CpuFacts? _current;

        /// <summary>This machine's facts, read once.</summary>
        public static CpuFacts Current => _current ??= Detect(SysfsCacheFolder);

        /// <summary>Reads cpuid (on x86) and <paramref name="sysfsCacheFolder"/> (the fallback for cache sizes).</summary>
        internal static CpuFacts Detect(string sysfsCacheFolder)
        {
            string vendor = RuntimeInformation.ProcessArchitecture.ToString();
            int family = 0, model = 0;
            string? name = null;
            (int? L1d, int? L2) cpuid = (null, null);
            if (X86Base.IsSupported)
            {
                vendor = ReadVendor();
                (family, model) = Signature(X86Base.CpuId(1, 0).Eax);
                name = BrandString();
                cpuid = CpuidCaches(vendor);
            }
            var sysfs = SysfsCaches(sysfsCacheFolder);
            var isa = Vector512.IsHardwareAccelerated ? VectorIsa.Avx512
                : Vector256.IsHardwareAccelerated && Fma.IsSupported ? VectorIsa.Avx2Fma
                : VectorIsa.Vector128;
            var (l1d, l1dSource) = Pick(cpuid.L1d, sysfs.L1d, DefaultL1d);
            var (l2, l2Source) = Pick(cpuid.L2, sysfs.L2, DefaultL2);
            return new CpuFacts
            {
                Vendor = vendor,
                Family = family,
                Model = model,
                ModelName = name ?? ProcModelName() ?? "unknown",
                Isa = isa,
                VectorRegisters = isa == VectorIsa.Avx512 || AdvSimd.Arm64.IsSupported ? 32 : 16,
                FullWidth512 = IsFullWidth512(vendor, family, isa),
                L1dBytes = l1d,
                L2Bytes = l2,
                L1dSource = l1dSource,
                L2Source = l2Source,
            };
        }

        private static (int, CacheSource) Pick(int? cpuid, int? sysfs, int fallback)
            => cpuid is > 0 ? (cpuid.Value, CacheSource.Cpuid) : sysfs is > 0 ? (sysfs.Value, CacheSource.Sysfs) : (fallback, CacheSource.Default);

        /// <summary>The full-width table of the remarks.</summary>
        internal static bool IsFullWidth512(string vendor, int family, VectorIsa isa) => isa == VectorIsa.Avx512 && vendor switch
        {
            "AuthenticAMD" => family >= 0x1A,   // 0x19 = Zen 4: double-pumped; 0x1A = Zen 5: two 512-bit pipes
            "GenuineIntel" => true,
            _ => false,                          // unknown vendors: assume the narrower datapath
        };

        private static string ReadVendor()
        {
            var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
            Span<byte> text = stackalloc byte[12];
            BitConverter.TryWriteBytes(text, ebx);
            BitConverter.TryWriteBytes(text[4..], edx);
            BitConverter.TryWriteBytes(text[8..], ecx);
            return Encoding.ASCII.GetString(text).TrimEnd('\0');
        }

        /// <summary>Display family and model from cpuid leaf 1's EAX, as the vendors' manuals define them.</summary>
        internal static (int Family, int Model) Signature(int eax)
        {
            int baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
            int family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
            int model = baseFamily is 0x6 or 0xF ? baseModel | (((eax >> 16) & 0xF) << 4) : baseModel;
            return (family, model);
        }

        private static string? BrandString()
        {
            if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x80000004) return null;
            Span<byte> text = stackalloc byte[48];
            for (int i = 0; i < 3; i++)
            {
                var (a, b, c, d) = X86Base.CpuId(unchecked((int)0x80000002) + i, 0);
                BitConverter.TryWriteBytes(text[(16 * i)..], a);
                BitConverter.TryWriteBytes(text[(16 * i + 4)..], b);
                BitConverter.TryWriteBytes(text[(16 * i + 8)..], c);
                BitConverter.TryWriteBytes(text[(16 * i + 12)..], d);
            }
            string name = Encoding.ASCII.GetString(text).TrimEnd('\0').Trim();
            return name.Length > 0 ? name : null;
        }

        /// <summary>L1d and L2 from the deterministic cache leaves: Intel's 4, AMD's 0x8000001D (with topology
        /// extensions), else AMD's legacy 0x80000005/6. Null where the leaf is absent or reports nothing (some
        /// hypervisors hide caches).</summary>
        private static (int? L1d, int? L2) CpuidCaches(string vendor)
        {
            int? l1d = null, l2 = null;
            uint maxBasic = (uint)X86Base.CpuId(0, 0).Eax;
            uint maxExtended = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
            int leaf = 0;
            if (vendor == "GenuineIntel" && maxBasic >= 4) leaf = 4;
            else if (vendor is "AuthenticAMD" or "HygonGenuine" && maxExtended >= 0x8000001D
                && (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0)
                leaf = unchecked((int)0x8000001D);
            if (leaf != 0)
            {
                for (int sub = 0; sub < 16; sub++)
                {
                    var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, sub);
                    var (type, level, bytes) = CacheLeaf(eax, ebx, ecx);
                    if (type == 0) break;
                    if (level == 1 && type == 1) l1d ??= bytes;
                    if (level == 2 && type is 1 or 3) l2 ??= bytes;
                }
            }
            if (vendor is "AuthenticAMD" or "HygonGenuine")
            {
                if (l1d is null && maxExtended >= 0x80000005) l1d = ((X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) & 0xFF) << 10;
                if (l2 is null && maxExtended >= 0x80000006) l2 = ((X86Base.CpuId(unchecked((int)0x80000006), 0).Ecx >> 16) & 0xFFFF) << 10;
            }
            return (l1d, l2);
        }

        /// <summary>One subleaf of cpuid leaf 4 / 0x8000001D: type (0 none, 1 data, 2 instruction, 3 unified), level,
        /// and size = ways · partitions · line size · sets (each field stored minus one).</summary>
        internal static (int Type, int Level, int Bytes) CacheLeaf(int eax, int ebx, int ecx)
        {
            int type = eax & 0x1F, level = (eax >> 5) & 0x7;
            long ways = ((uint)ebx >> 22) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1;
            long sets = (uint)ecx + 1L;
            long bytes = ways * partitions * line * sets;
            return (type, level, bytes is > 0 and <= int.MaxValue ? (int)bytes : 0);
        }

        /// <summary>L1d and L2 from a sysfs cache folder (index*/level, type, size as "32K"); null where absent or unreadable.</summary>
        internal static (int? L1d, int? L2) SysfsCaches(string folder)
        {
            int? l1d = null, l2 = null;
            if (!Directory.Exists(folder)) return (l1d, l2);
            try
            {
                foreach (var index in Directory.GetDirectories(folder, "index*"))
                {
                    string? level = ReadLine(Path.Combine(index, "level"));
                    string? type = ReadLine(Path.Combine(index, "type"));
                    int? size = ParseSize(ReadLine(Path.Combine(index, "size")));
                    if (size is null) continue;
                    if (level == "1" && type == "Data") l1d ??= size;
                    if (level == "2" && type is "Unified" or "Data") l2 ??= size;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder we may not list: the defaults stand.
            }
            return (l1d, l2);
        }

        private static string? ReadLine(string path)
        {
            try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }

        /// <summary>"32K", "1024K", "2M", "512" (bytes) → bytes; null for anything else.</summary>
        internal static int? ParseSize(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            long scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
            string digits = scale == 1 ? text : text[..^1];
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0) return null;
            long bytes = n * scale;
            return bytes <= int.MaxValue ? (int)bytes : null;
        }

        private static string? ProcModelName()
        {
            try
            {
                if (!File.Exists("/proc/cpuinfo")) return null;
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
                        return line[(colon + 1)..].Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            return null;
        }
    }
}
