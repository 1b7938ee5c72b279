using CellDsl.Kernels;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>The three GEMM forms against the float64 triple loop, with offsets and padded leading dimensions.</summary>
public class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 20, 33, 17 }, { 7, 64, 65 }, { 35, 12, 129 },
        // Past every block size (MB = 768, NB = 512, KC = 256, NR = 32, MR = 12) with ragged edges.
        { 77, 70, 300 }, { 150, 3100, 9 }, { 6, 32, 513 }, { 800, 45, 70 },
        // Every height of the last row panel (M mod 12 = 1..11 and 0) gets its own kernel.
        { 2, 40, 30 }, { 21, 64, 10 }, { 22, 33, 31 }, { 64, 96, 40 }, { 24, 50, 6 },
    };

    private static float[] Random(int n, int seed)
    {
        var a = new float[n];
        new CellRandom(seed).FillUniform(a, -1f, 1f);
        return a;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Nt_matches_reference(int m, int n, int k) => Check(false, true, m, n, k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Nn_matches_reference(int m, int n, int k) => Check(false, false, m, n, k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tn_matches_reference(int m, int n, int k) => Check(true, false, m, n, k);

    private static void Check(bool transA, bool transB, int m, int n, int k)
    {
        foreach (bool accumulate in new[] { false, true })
        {
            int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5;
            int aRows = transA ? k : m, bRows = transB ? n : k;
            var a = Random(4 + aRows * lda, 1);
            var b = Random(6 + bRows * ldb, 2);
            var expected = Random(2 + m * ldc, 3);
            ReferenceGemm.Multiply(transA, transB, m, n, k, a, 4, lda, b, 6, ldb, expected, 2, ldc, accumulate);
            var c2 = Random(2 + m * ldc, 3);
            Sgemm.Multiply(transA, transB, m, n, k, a, 4, lda, b, 6, ldb, c2, 2, ldc, accumulate);
            for (int i = 0; i < c2.Length; i++)
                Assert.True(Math.Abs(expected[i] - c2[i]) <= 1e-5f * (1 + k), $"blocked GEMM, element {i}: {c2[i]} vs {expected[i]}");
        }
    }
}

public class PackedGemmTests
{
    [Theory]
    [InlineData(false, 20, 70, 300)]
    [InlineData(true, 20, 70, 300)]
    [InlineData(false, 77, 33, 9)]
    [InlineData(true, 150, 100, 520)]
    [InlineData(true, 22, 1100, 600)]   // several column blocks and depth blocks: the prefetch of the next block crosses both
    [InlineData(false, 800, 40, 70)]    // more rows than one packed block of A
    public void Prepacked_weights_give_the_reference_product(bool transB, int m, int n, int k)
    {
        var rng = new CellRandom(5);
        var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
        int ldb = (transB ? k : n) + 3;
        var b = new float[7 + (transB ? n : k) * ldb]; rng.FillUniform(b, -1f, 1f);
        var expected = new float[m * n];
        ReferenceGemm.Multiply(false, transB, m, n, k, a, 0, k, b, 7, ldb, expected, 0, n, false);
        using var packed = new PackedMatrix();
        packed.Pack(transB, 3, 3, b, 7, ldb);   // a smaller shape first: the buffer must grow, not overflow
        packed.Pack(transB, k, n, b, 7, ldb);
        var c = new float[m * n];
        Sgemm.Multiply(false, m, a, 0, k, packed, c, 0, n, accumulate: false);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-5f * (1 + k), $"element {i}");
        Sgemm.Multiply(false, m, a, 0, k, packed, c, 0, n, accumulate: true);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(2 * expected[i] - c[i]) <= 2e-5f * (1 + k), $"accumulated element {i}");
    }
}

public class GemmNumericContractTests
{
    [Fact]
    public void Results_do_not_depend_on_tiling_or_threads()
    {
        // The full product is large enough (over 200M multiply-adds) to be split between two threads and across
        // tiles; one row at a time is neither. Every element is the same FMA chain either way, so the results must
        // be bit-identical.
        int m = 256, n = 1056, k = 800;
        var rng = new CellRandom(17);
        var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
        var b = new float[k * n]; rng.FillUniform(b, -1f, 1f);
        var whole = new float[m * n];
        Sgemm.Multiply(false, false, m, n, k, a, 0, k, b, 0, n, whole, 0, n, accumulate: false);
        var rows = new float[m * n];
        for (int i = 0; i < m; i++)
            Sgemm.Multiply(false, false, 1, n, k, a, i * k, k, b, 0, n, rows, i * n, n, accumulate: false);
        Assert.Equal(rows, whole);

        var w = new float[n * k]; rng.FillUniform(w, -1f, 1f);
        using var packed = new PackedMatrix();
        packed.Pack(transB: true, k, n, w, 0, k);
        var packedWhole = new float[m * n];
        Sgemm.Multiply(false, m, a, 0, k, packed, packedWhole, 0, n, accumulate: false);
        var packedRows = new float[m * n];
        for (int i = 0; i < m; i++)
            Sgemm.Multiply(false, 1, a, i * k, k, packed, packedRows, i * n, n, accumulate: false);
        Assert.Equal(packedRows, packedWhole);
        var expected = new float[m * n];
        ReferenceGemm.Multiply(false, true, 8, n, k, a, 0, k, w, 0, k, expected, 0, n, accumulate: false);
        for (int i = 0; i < 8 * n; i++) Assert.True(Math.Abs(expected[i] - packedWhole[i]) <= 1e-5f * k, $"element {i}");
    }
    [Theory]
    [InlineData(12, 40)]   // an 8-column edge: the half-width tile
    [InlineData(7, 56)]    // a 24-column edge: a full tile into scratch
    [InlineData(25, 47)]   // 15 columns: the widest half-width edge, ragged rows
    public void Edge_columns_equal_the_same_columns_computed_in_full_tiles(int m, int n)
    {
        // The same B columns, once as the ragged right edge of an n-column product and once inside a product of 64
        // columns (whole tiles): each element is one FMA chain in k order either way, so the results must be equal.
        int k = 300, wide = 64;
        var rng = new CellRandom(29);
        var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
        var b = new float[k * wide]; rng.FillUniform(b, -1f, 1f);
        var edge = new float[m * n];
        Sgemm.Multiply(false, false, m, n, k, a, 0, k, b, 0, wide, edge, 0, n, accumulate: false);
        var full = new float[m * wide];
        Sgemm.Multiply(false, false, m, wide, k, a, 0, k, b, 0, wide, full, 0, wide, accumulate: false);
        for (int i = 0; i < m; i++)
            Assert.Equal(full.AsSpan(i * wide, n).ToArray(), edge.AsSpan(i * n, n).ToArray());
    }
}

public class WorkerTests
{
    [Fact]
    public void Split_products_match_unsplit_ones_whether_the_worker_is_spinning_asleep_or_taken_back()
    {
        // 20×800×200 (3.2M multiply-adds) is split between the threads; one row of it is not. Pauses between some
        // products let the worker fall asleep, so the caller also takes halves back. Every element is the same FMA
        // chain on either path, so the results must be bit-identical.
        int m = 20, n = 800, k = 200;
        var rng = new CellRandom(31);
        var w = new float[n * k]; rng.FillUniform(w, -1f, 1f);
        using var packed = new PackedMatrix();
        packed.Pack(transB: true, k, n, w, 0, k);
        for (int trial = 0; trial < 60; trial++)
        {
            var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
            var whole = new float[m * n];
            var rows = new float[m * n];
            if (trial % 3 == 0) Thread.Sleep(2);
            if (trial % 2 == 0) Sgemm.Multiply(false, m, a, 0, k, packed, whole, 0, n, accumulate: false);
            else Sgemm.Multiply(false, true, m, n, k, a, 0, k, w, 0, k, whole, 0, n, accumulate: false);
            for (int i = 0; i < m; i++)
                Sgemm.Multiply(false, m: 1, a, i * k, k, packed, rows, i * n, n, accumulate: false);
            Assert.Equal(rows, whole);
        }
    }

    [Theory]
    [InlineData(200)]    // dh = dZ · W of a backward step at H = 200: was 128 | 72
    [InlineData(650)]    // and at H = 650: was 352 | 298
    [InlineData(800)]    // the forward step's h · Wᵀ at H = 200: 25 whole panels
    [InlineData(2600)]
    [InlineData(90)]     // two panels and a 26-column edge
    public void Column_halves_differ_by_at_most_one_panel_and_match_unsplit_products(int n)
    {
        // The per-step products split by whole 32-column panels (prepacked weights start a panel at each multiple of
        // 32); neither thread's tiles may compute more than one panel over the other's. One row of the product is
        // not split.
        const int m = 64, k = 300;
        if (Sgemm.Threads == 2)
        {
            int split = Worker.SplitPoint(m, n, k, prepacked: true, out bool byRows);
            Assert.False(byRows);
            Assert.True(split > 0 && split < n && split % Sgemm.NR == 0, $"split {split} of {n}");
            // The columns each side's tiles compute: an edge of up to 16 columns runs a 16-wide tile, a wider one 32.
            static int Tiled(int w) => w % 32 == 0 ? w : w / 32 * 32 + (w % 32 <= 16 ? 16 : 32);
            Assert.True(Math.Abs(Tiled(split) - Tiled(n - split)) <= Sgemm.NR, $"halves {split} | {n - split}");
            Assert.Equal(0, Worker.SplitPoint(1, n, k, prepacked: true, out _));
        }
        var rng = new CellRandom(n);
        var w = new float[n * k]; rng.FillUniform(w, -1f, 1f);
        var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
        using var packed = new PackedMatrix();
        packed.Pack(transB: true, k, n, w, 0, k);
        var rows = new float[m * n];
        for (int i = 0; i < m; i++) Sgemm.Multiply(false, m: 1, a, i * k, k, packed, rows, i * n, n, accumulate: false);
        for (int trial = 0; trial < 4; trial++)
        {
            if (trial % 2 == 1) Thread.Sleep(2);
            var whole = new float[m * n];
            Sgemm.Multiply(false, m, a, 0, k, packed, whole, 0, n, accumulate: false);
            Assert.Equal(rows, whole);
            var unpacked = new float[m * n];
            Sgemm.Multiply(false, true, m, n, k, a, 0, k, w, 0, k, unpacked, 0, n, accumulate: false);
            Assert.Equal(rows, unpacked);
        }
    }

    [Theory]
    [InlineData(false, false, 700, 130, 90)]    // dX = dZ · W over all T·B rows, B prepacked
    [InlineData(true, false, 401, 96, 70)]      // a weight gradient dZᵀ · x: A transposed, 4H rows (ragged: 401 = 33·12 + 5)
    [InlineData(false, true, 389, 200, 64)]     // the input projection x · Wᵀ
    public void Tall_products_split_by_rows_match_row_by_row_products(bool transA, bool transB, int m, int n, int k)
    {
        // Tall products are split between the threads by rows; one row at a time is not split at all. The pauses let
        // the worker fall asleep, so the caller also takes the second half back. Results must be bit-identical.
        if (Sgemm.Threads == 2)
        {
            Assert.True(Worker.SplitPoint(m, n, k, prepacked: false, out bool byRows) > 0 && byRows == (m >= n), "split as intended");
            Assert.True(Worker.SplitPoint(m, n, k, prepacked: true, out byRows) > 0 && byRows, "prepacked: split by rows");
        }
        var rng = new CellRandom(41);
        int lda = transA ? m : k, ldb = transB ? k : n;
        var a = new float[(transA ? k : m) * lda]; rng.FillUniform(a, -1f, 1f);
        var b = new float[(transB ? n : k) * ldb]; rng.FillUniform(b, -1f, 1f);
        using var packed = new PackedMatrix();
        packed.Pack(transB, k, n, b, 0, ldb);
        var rows = new float[m * n];
        var column = new float[transA ? k : 1];
        for (int i = 0; i < m; i++)
        {
            if (transA)
            {
                // Row i of op(A) is column i of A: copy it into a [k×1] matrix.
                for (int p = 0; p < k; p++) column[p] = a[p * lda + i];
                Sgemm.Multiply(true, transB, 1, n, k, column, 0, 1, b, 0, ldb, rows, i * n, n, accumulate: false);
            }
            else
            {
                Sgemm.Multiply(false, transB, 1, n, k, a, i * k, k, b, 0, ldb, rows, i * n, n, accumulate: false);
            }
        }
        for (int trial = 0; trial < 4; trial++)
        {
            if (trial % 2 == 0) Thread.Sleep(2);
            var whole = new float[m * n];
            Sgemm.Multiply(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, whole, 0, n, accumulate: false);
            Assert.Equal(rows, whole);
            var prepacked = new float[m * n];
            Sgemm.Multiply(transA, m, a, 0, lda, packed, prepacked, 0, n, accumulate: false);
            Assert.Equal(rows, prepacked);
        }
    }

    [Theory]
    [InlineData(true, 700, 2600)]    // W_h of an LSTM at H = 650, used as Wᵀ in the forward pass
    [InlineData(false, 2600, 650)]   // the same weights as the backward pass uses them
    [InlineData(true, 300, 467)]     // a ragged last panel
    public void Packing_split_between_the_threads_matches_the_per_call_packing(bool transB, int k, int n)
    {
        // Large weights are packed half on each thread; the product with them must equal, bit for bit, the product
        // that packs op(B) block by block itself on one thread. Pauses let the worker fall asleep before some packs,
        // so the caller also takes halves back.
        if (Sgemm.Threads == 2) Assert.True(Worker.SplitPack(k, n) > 0, "this shape should be packed on both threads");
        int m = 5, ldb = transB ? k : n;
        var rng = new CellRandom(37);
        var b = new float[(transB ? n : k) * ldb]; rng.FillUniform(b, -1f, 1f);
        var a = new float[m * k]; rng.FillUniform(a, -1f, 1f);
        var expected = new float[m * n];
        Sgemm.Multiply(false, transB, m, n, k, a, 0, k, b, 0, ldb, expected, 0, n, accumulate: false);
        using var packed = new PackedMatrix();
        for (int trial = 0; trial < 6; trial++)
        {
            if (trial % 2 == 0) Thread.Sleep(2);
            packed.Pack(transB, k, n, b, 0, ldb);
            var c = new float[m * n];
            Sgemm.Multiply(false, m, a, 0, k, packed, c, 0, n, accumulate: false);
            Assert.Equal(expected, c);
        }
    }
}
