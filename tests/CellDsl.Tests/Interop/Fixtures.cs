using CellDsl.IO;

namespace CellDsl.Tests.Interop;

/// <summary>The files tests/scripts/make_torch_fixtures.py wrote (copied next to the test assembly), and a scratch folder.</summary>
internal static class Fixtures
{
    public static string Torch(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch", file);

    /// <summary>A fresh folder for files a test writes; deleted when disposed.</summary>
    public sealed class Scratch : IDisposable
    {
        public Scratch() => Directory.CreateDirectory(Folder);

        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "celldsl-interop-" + Guid.NewGuid().ToString("N"));

        public string File(string name) => Path.Combine(Folder, name);

        public string Write(string name, byte[] bytes)
        {
            var path = File(name);
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Largest |actual - expected| relative to the largest |expected| (at least 1e-3, so all-zero tensors do not divide by zero).</summary>
    public static double RelativeError(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        if (expected.Count != actual.Count) return double.PositiveInfinity;
        double err = 0, scale = 1e-3;
        for (int i = 0; i < expected.Count; i++)
        {
            double e = Math.Abs(actual[i] - expected[i]);
            err = double.IsNaN(e) ? double.PositiveInfinity : Math.Max(err, e);
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return err / scale;
    }

    public static double[] Doubles(ReadOnlySpan<float> values)
    {
        var r = new double[values.Length];
        for (int i = 0; i < r.Length; i++) r[i] = values[i];
        return r;
    }

    /// <summary>The named tensors' values one after another, e.g. h0 and c0 stacked as [S, B, H].</summary>
    public static double[] Stack(IReadOnlyDictionary<string, NdArray> tensors, params string[] names)
        => names.SelectMany(n => tensors[n].Data).ToArray();
}
