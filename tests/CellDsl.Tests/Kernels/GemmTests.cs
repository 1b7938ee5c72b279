using CellDsl.Kernels;
using Xunit;

namespace CellDsl.Tests.Kernels;

/// <summary>The three GEMM forms against the float64 triple loop, with offsets and padded leading dimensions.</summary>
public class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 20, 33, 17 }, { 7, 64, 65 }, { 35, 12, 129 },
        // Past every block size (MC = 72, KC = 256, NR = 32, MR = 6) with ragged edges.
        { 77, 70, 300 }, { 150, 3100, 9 }, { 6, 32, 513 },
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
            var c = Random(2 + m * ldc, 3);
            var expected = (float[])c.Clone();
            ReferenceGemm.Multiply(transA, transB, m, n, k, a, 4, lda, b, 6, ldb, expected, 2, ldc, accumulate);
            if (!transA && transB) Gemm.Nt(m, n, k, a, 4, lda, b, 6, ldb, c, 2, ldc, accumulate);
            else if (!transA && !transB) Gemm.Nn(m, n, k, a, 4, lda, b, 6, ldb, c, 2, ldc, accumulate);
            else Gemm.Tn(m, n, k, a, 4, lda, b, 6, ldb, c, 2, ldc, accumulate);
            for (int i = 0; i < c.Length; i++)
                Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-5f * (1 + k), $"element {i}: {c[i]} vs {expected[i]}");
            var c2 = Random(2 + m * ldc, 3);
            Sgemm.Multiply(transA, transB, m, n, k, a, 4, lda, b, 6, ldb, c2, 2, ldc, accumulate);
            for (int i = 0; i < c2.Length; i++)
                Assert.True(Math.Abs(expected[i] - c2[i]) <= 1e-5f * (1 + k), $"blocked GEMM, element {i}: {c2[i]} vs {expected[i]}");
        }
    }
}
