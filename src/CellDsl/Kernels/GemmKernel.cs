using System;
using System.Collections.Generic;
using System.Linq;

namespace CellDsl.Kernels
{
    /// <summary>The register tiles <see cref="Sgemm"/> has. Each covers the packed layout's 12-row × 32-column panel
    /// pair: the zmm tile in one pass, the others in strips of their own rows and columns.</summary>
    internal enum GemmTile { Zmm12x32, Ymm12x16, Ymm6x16, Xmm12x8, Xmm6x8 }

    /// <summary>
    /// One choice of GEMM kernel: the register tile (rows × columns, vector width) and the cache blocking (NB columns
    /// of B per block, 256 rows deep; MB rows of A packed per block; NB for prepacked weights). KC = 256 is the same
    /// for every choice, and the packed layout (12-row A panels, 32-column B panels) too.
    /// </summary>
    /// <remarks>
    /// Chosen from <see cref="CpuFacts"/> by this table:
    /// <code>
    /// ISA .NET accelerates          vector registers  tile      why
    /// AVX-512 (full width)          32                zmm12x32  24 zmm accumulators, 2 loads + 12 broadcasts per 24 FMAs
    /// AVX-512 (double-pumped Zen 4) 32                zmm12x32  the same FLOP/s per instruction pair as ymm12x16, half
    ///                                                           the instructions; ymm12x16 (ymm16–31 by AVX-512VL) is
    ///                                                           there to force and measure against it
    /// AVX2 + FMA                    16                ymm6x16   12 ymm accumulators + 2 loads + 1 broadcast = 15
    /// 128-bit only (Arm64 NEON)     32                xmm12x8   24 accumulators, as zmm12x32 at a quarter the width
    /// 128-bit only (x86 SSE)        16                xmm6x8    as ymm6x16 at half the width
    /// </code>
    /// Blocking from the L2 per core: the B block takes half of it (NB = L2 / 2 / (256 · 4 B), a multiple of 32), the
    /// packed A block three quarters (MB, a multiple of 12), prepacked weights half the B block, because the next
    /// block is prefetched into L2 beside the current one (with whole-size blocks on a 1 MiB L2 the two evicted each
    /// other, and the per-step product with H = 1500 weights, streamed from DRAM, ran at 52% of the FMA peak, not 86%). A 1 MiB L2 gives NB = 512, MB = 768, prepacked 256 (the
    /// blocking measured best on Zen 4 and Zen 5); 2 MiB doubles them, 512 KiB halves them.
    ///
    /// Numerics: every element of C is one FMA chain over k in order within each 256-deep block, blocks added in
    /// order, whatever the choice: tile, width and blocking change which instructions compute an element, never its
    /// bits. Set CELLDSL_GEMM to one of <see cref="Names"/> to force a tile (blocking still from the L2).
    /// </remarks>
    public sealed record GemmKernel
    {
        public const string Variable = "CELLDSL_GEMM";

        internal GemmTile Tile { get; init; }
        /// <summary>The tile's name: zmm12x32, ymm12x16, ymm6x16, xmm12x8 or xmm6x8.</summary>
        public string Name => Names[(int)Tile];
        /// <summary>Rows of the register tile (the rows broadcast per step).</summary>
        public int TileRows => Tile is GemmTile.Ymm6x16 or GemmTile.Xmm6x8 ? 6 : 12;
        /// <summary>Columns of the register tile: two vectors.</summary>
        public int TileColumns => 2 * VectorBits / 32;
        public int VectorBits => Tile switch { GemmTile.Zmm12x32 => 512, GemmTile.Ymm12x16 or GemmTile.Ymm6x16 => 256, _ => 128 };
        /// <summary>Columns of B packed per block (256 rows deep): the block that stays in L2.</summary>
        public int NB { get; init; }
        /// <summary>Rows of A packed per block.</summary>
        public int MB { get; init; }
        /// <summary>Columns per block of prepacked weights (<see cref="PackedMatrix"/>).</summary>
        public int PrepackedNB { get; init; }
        /// <summary>Whether <see cref="Variable"/> chose the tile rather than the table.</summary>
        public bool Forced { get; init; }

        /// <summary>The tiles' names, as <see cref="Variable"/> takes them.</summary>
        public static IReadOnlyList<string> Names { get; } = ["zmm12x32", "ymm12x16", "ymm6x16", "xmm12x8", "xmm6x8"];

        private static GemmKernel? _current;

        /// <summary>The kernel products run with: <see cref="Variable"/>'s tile if set, else the table's, read once.
        /// Tests set it to run a product under each choice.</summary>
        public static GemmKernel Current
        {
            get => _current ??= FromVariable(Environment.GetEnvironmentVariable(Variable), CpuFacts.Current);
            internal set => _current = value;
        }

        /// <summary>Reads <see cref="Variable"/> again at the next product (tests that set it).</summary>
        internal static void ReadVariableAgain() => _current = null;

        /// <summary>The table's choice for <paramref name="facts"/>.</summary>
        public static GemmKernel Choose(CpuFacts facts)
        {
            var tile = facts.Isa switch
            {
                VectorIsa.Avx512 => GemmTile.Zmm12x32,
                VectorIsa.Avx2Fma => GemmTile.Ymm6x16,
                _ => facts.VectorRegisters >= 32 ? GemmTile.Xmm12x8 : GemmTile.Xmm6x8,
            };
            return With(tile, facts.L2Bytes);
        }

        /// <summary>The kernel for <see cref="Variable"/>'s value: the table's choice when unset, empty or "auto", else
        /// the named tile, which must run on this machine.</summary>
        internal static GemmKernel FromVariable(string? value, CpuFacts facts)
        {
            if (string.IsNullOrWhiteSpace(value) || value.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)) return Choose(facts);
            string name = value.Trim().ToLowerInvariant();
            int index = Names.ToList().IndexOf(name);
            var valid = Names.Where((_, i) => Missing((GemmTile)i, facts) is null).ToList();
            if (index < 0)
                throw new ArgumentException($"{Variable}='{value}' is not a GEMM kernel. Valid on this machine: {string.Join(", ", valid)}, or auto (unset) for the choice from the CPU.", Variable);
            var tile = (GemmTile)index;
            if (Missing(tile, facts) is { } missing)
                throw new ArgumentException($"{Variable}={name} needs {missing}, which this machine lacks. Valid on this machine: {string.Join(", ", valid)}, or auto (unset).", Variable);
            return With(tile, facts.L2Bytes) with { Forced = true };
        }

        /// <summary>What <paramref name="tile"/> needs that the machine lacks, or null: the vectors in hardware (software
        /// Vector512 on an AVX2 machine computes the same bits, many times slower), and 32 registers for 24 accumulators.</summary>
        private static string? Missing(GemmTile tile, CpuFacts facts) => tile switch
        {
            GemmTile.Zmm12x32 when facts.Isa < VectorIsa.Avx512 => "AVX-512",
            GemmTile.Ymm12x16 when facts.Isa < VectorIsa.Avx512 => "AVX-512VL's 32 ymm registers",
            GemmTile.Ymm6x16 when facts.Isa < VectorIsa.Avx2Fma => "AVX2 and FMA",
            GemmTile.Xmm12x8 when facts.VectorRegisters < 32 => "32 vector registers (AVX-512 or Arm64)",
            _ => null,
        };

        /// <summary>Whether this choice's tile runs in hardware on a machine with <paramref name="facts"/>.</summary>
        public bool RunsOn(CpuFacts facts) => Missing(Tile, facts) is null;

        /// <summary>Every tile, blocked for <paramref name="l2Bytes"/>.</summary>
        internal static IEnumerable<GemmKernel> All(int l2Bytes) => Enum.GetValues<GemmTile>().Select(t => With(t, l2Bytes));

        internal static GemmKernel With(GemmTile tile, int l2Bytes)
        {
            const int panelBytes = Sgemm.KC * sizeof(float);   // one column of B, or one row of A, per 256-deep block
            int nb = Math.Clamp(l2Bytes / 2 / panelBytes / Sgemm.NR * Sgemm.NR, 2 * Sgemm.NR, 64 * Sgemm.NR);
            int mb = Math.Clamp((int)(3L * l2Bytes / 4 / panelBytes) / Sgemm.MR * Sgemm.MR, 8 * Sgemm.MR, 256 * Sgemm.MR);
            return new GemmKernel { Tile = tile, NB = nb, MB = mb, PrepackedNB = nb / 2 / Sgemm.NR * Sgemm.NR };
        }

        /// <summary>The CPU facts and this kernel as name/value pairs, for `celldsl cpu --json` and the benchmark
        /// scripts' header: what a run on another machine needs to be compared with this one.</summary>
        public IReadOnlyList<KeyValuePair<string, object>> Describe(CpuFacts facts) =>
        [
            new("model_name", facts.ModelName), new("vendor", facts.Vendor), new("family", facts.Family), new("model", facts.Model),
            new("isa", IsaName(facts.Isa)), new("vector_registers", facts.VectorRegisters), new("full_width_512", facts.FullWidth512),
            new("l1d_bytes", facts.L1dBytes), new("l1d_source", facts.L1dSource.ToString().ToLowerInvariant()),
            new("l2_bytes", facts.L2Bytes), new("l2_source", facts.L2Source.ToString().ToLowerInvariant()),
            new("gemm", Name), new("gemm_forced", Forced), new("tile_rows", TileRows), new("tile_columns", TileColumns),
            new("vector_bits", VectorBits), new("kc", Sgemm.KC), new("nb", NB), new("mb", MB), new("prepacked_nb", PrepackedNB),
        ];

        /// <summary>avx512, avx2+fma or vector128.</summary>
        public static string IsaName(VectorIsa isa) => isa switch
        {
            VectorIsa.Avx512 => "avx512",
            VectorIsa.Avx2Fma => "avx2+fma",
            _ => "vector128",
        };

        /// <summary>"zmm12x32: 12×32 tile of 512-bit vectors, KC 256, NB 512, MB 768, prepacked NB 256".</summary>
        public override string ToString()
            => $"{Name}: {TileRows}×{TileColumns} tile of {VectorBits}-bit vectors, KC {Sgemm.KC}, NB {NB}, MB {MB}, prepacked NB {PrepackedNB}";
    }
}
