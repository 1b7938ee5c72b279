using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CellDsl.IO;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Interop;

/// <summary>The .npy, .npz and .safetensors readers and writers: round trips, files numpy wrote, and damaged files.</summary>
public class TensorFileTests(ITestOutputHelper output)
{
    /// <summary>The values the script wrote into the formats_* fixtures, before rounding to each type.</summary>
    private static readonly double[] FormatValues = [0.0, 1.0, -2.5, 3.140625, 65504.0, -0.0009765625, 1e-3, 0.333251953125];

    private static NdArray Sample(string name, int[] shape, ElementType type)
    {
        var data = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (i % 7 - 3) * 0.375 + i * 0.0625; // exact in every type
        return new NdArray(name, shape, data, type);
    }

    public static TheoryData<ElementType, int[]> Shapes()
    {
        var d = new TheoryData<ElementType, int[]>();
        foreach (var t in new[] { ElementType.Float16, ElementType.Float32, ElementType.Float64 })
            foreach (var s in new[] { new[] { 2, 3 }, new[] { 5 }, Array.Empty<int>(), new[] { 0, 3 }, new[] { 2, 3, 4 } })
                d.Add(t, s);
        return d;
    }

    private static void AssertSame(NdArray expected, NdArray actual, ElementType? type = null)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(type ?? expected.ElementType, actual.ElementType);
        Assert.Equal(expected.Data, actual.Data);
    }

    // ---- round trips ----

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Npy_round_trips(ElementType type, int[] shape)
    {
        using var scratch = new Fixtures.Scratch();
        var a = Sample("a", shape, type);
        Npy.Write(scratch.File("a.npy"), a);
        AssertSame(a, Npy.Read(scratch.File("a.npy")));
        var bytes = File.ReadAllBytes(scratch.File("a.npy"));
        Assert.Equal(0, (10 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))) % 64); // numpy's alignment
    }

    [Fact]
    public void Npy_writes_bfloat16_as_exact_float32()
    {
        using var scratch = new Fixtures.Scratch();
        var a = Sample("a", [4], ElementType.BFloat16);
        Npy.Write(scratch.File("a.npy"), a);
        AssertSame(a, Npy.Read(scratch.File("a.npy")), ElementType.Float32);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Npz_round_trips_stored_and_deflated(bool compress)
    {
        using var scratch = new Fixtures.Scratch();
        var arrays = new[] { Sample("weight_ih_l0", [28, 5], ElementType.Float32), Sample("scalar", [], ElementType.Float64), Sample("h", [0], ElementType.Float16) };
        Npz.Write(scratch.File("a.npz"), arrays, compress);
        var read = Npz.Read(scratch.File("a.npz"));
        Assert.Equal(arrays.Select(a => a.Name), read.Keys);
        foreach (var a in arrays) AssertSame(a, read[a.Name]);

        using (var zip = ZipFile.OpenRead(scratch.File("a.npz")))
        {
            var entry = zip.GetEntry("weight_ih_l0.npy")!;
            Assert.Equal(compress, entry.CompressedLength < entry.Length);
        }
        Npz.Write(scratch.File("b.npz"), arrays, compress);
        Assert.Equal(File.ReadAllBytes(scratch.File("a.npz")), File.ReadAllBytes(scratch.File("b.npz"))); // deterministic bytes
    }

    [Fact]
    public void SafeTensors_round_trips_every_type_with_metadata()
    {
        using var scratch = new Fixtures.Scratch();
        var arrays = new[]
        {
            Sample("f16", [3], ElementType.Float16), Sample("bf16", [2, 2], ElementType.BFloat16),
            Sample("f32", [2, 3], ElementType.Float32), Sample("f64", [], ElementType.Float64), Sample("empty", [0, 4], ElementType.Float32),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["source"] = "CellDsl" };
        string path = scratch.File("a.safetensors");
        SafeTensors.Write(path, arrays, metadata);
        var read = SafeTensors.Read(path);
        Assert.Equal(arrays.Select(a => a.Name), read.Keys);
        foreach (var a in arrays) AssertSame(a, read[a.Name]);
        Assert.Equal(metadata, SafeTensors.ReadMetadata(path));
        Assert.Equal(0UL, (8 + BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path))) % 8);
    }

    [Fact]
    public void Writers_round_to_the_element_type()
    {
        using var scratch = new Fixtures.Scratch();
        var a = new NdArray("a", [3], [1.0 / 3, 1e-9, 70000], ElementType.Float16);
        var b = new NdArray("b", [3], a.Data, ElementType.BFloat16);
        SafeTensors.Write(scratch.File("a.safetensors"), [a, b]);
        var read = SafeTensors.Read(scratch.File("a.safetensors"));
        Assert.Equal(a.Data.Select(v => (double)(Half)v), read["a"].Data); // 70000 overflows float16 to infinity, as numpy does
        Assert.Equal([0.333984375, 9.968061931431293e-10, 70144], read["b"].Data); // bfloat16: 8 significant bits, round to nearest even
    }

    // ---- files written by numpy and by the fixture script ----

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_every_npy_format_version_numpy_writes(int version)
    {
        string path = Fixtures.Torch($"formats_v{version}.npy");
        Assert.Equal(version, File.ReadAllBytes(path)[6]);
        var a = Npy.Read(path);
        Assert.Equal($"formats_v{version}", a.Name);
        Assert.Equal([2, 4], a.Shape);
        Assert.Equal(ElementType.Float32, a.ElementType);
        Assert.Equal(FormatValues.Select(v => (double)(float)v), a.Data);
    }

    [Fact]
    public void Reads_numpy_savez_dtypes_and_shapes()
    {
        var d = Npz.Read(Fixtures.Torch("formats_dtypes.npz"));
        Assert.Equal(ElementType.Float16, d["f16"].ElementType);
        Assert.Equal(FormatValues.Select(v => (double)(Half)v), d["f16"].Data);
        Assert.Equal(FormatValues.Select(v => (double)(float)v), d["f32"].Data);
        Assert.Equal(FormatValues, d["f64"].Data);
        Assert.Empty(d["scalar"].Shape);
        Assert.Equal([2.5], d["scalar"].Data);
        Assert.Equal([0, 3], d["empty"].Shape);
        Assert.Equal([2, 3, 4], d["cube"].Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (double)i), d["cube"].Data);
    }

    [Fact]
    public void Reads_safetensors_dtypes_and_metadata()
    {
        string path = Fixtures.Torch("formats_dtypes.safetensors");
        var d = SafeTensors.Read(path);
        Assert.Equal(["f16", "bf16", "f32", "f64"], d.Keys);
        Assert.Equal(FormatValues.Select(v => (double)(Half)v), d["f16"].Data);
        Assert.Equal(ElementType.BFloat16, d["bf16"].ElementType);
        Assert.Equal(FormatValues.Select(BFloat16), d["bf16"].Data);
        Assert.Equal(FormatValues.Select(v => (double)(float)v), d["f32"].Data);
        Assert.Equal(FormatValues, d["f64"].Data);
        Assert.Equal([2, 4], d["f64"].Shape);
        Assert.Equal("CellDsl reader fixture", SafeTensors.ReadMetadata(path)["note"]);
    }

    /// <summary>torch's float64 to bfloat16: round to float32, then to 8 significant bits, ties to even.</summary>
    private static double BFloat16(double v)
    {
        uint bits = BitConverter.SingleToUInt32Bits((float)v);
        bits += 0x7FFFu + ((bits >> 16) & 1u);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000u);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Npz_and_safetensors_fixtures_hold_the_same_tensors(string kind)
    {
        var npz = Npz.Read(Fixtures.Torch(kind + "_f32.npz"));
        var st = SafeTensors.Read(Fixtures.Torch(kind + "_f32.safetensors"));
        Assert.Equal(npz.Keys.Order(), st.Keys.Order());
        foreach (var (name, a) in npz) AssertSame(a, st[name]);
        var f64 = Npz.Read(Fixtures.Torch(kind + "_f64.npz")); // savez_compressed: deflated entries
        Assert.Equal(npz.Keys, f64.Keys);
        // The float32 fixture's inputs are the float64 ones rounded.
        Assert.Equal(f64["x"].Data.Select(v => (double)(float)v), npz["x"].Data);
        Assert.Equal(f64["weight_hh_l0"].Data.Select(v => (double)(float)v), npz["weight_hh_l0"].Data);
    }

    // ---- damaged files: each message names the file and what is wrong ----

    private static byte[] NpyBytes(string header, byte major = 1, byte[]? data = null, int? claimedLength = null)
    {
        var h = Encoding.Latin1.GetBytes(header);
        var b = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        int length = claimedLength ?? h.Length;
        if (major == 1) { b.Add((byte)length); b.Add((byte)(length >> 8)); }
        else b.AddRange(BitConverter.GetBytes(length));
        b.AddRange(h);
        b.AddRange(data ?? new byte[24]);
        return b.ToArray();
    }

    private const string GoodHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";

    public static TheoryData<string, byte[], string> BadNpy() => new()
    {
        { "empty", [], "the file is empty" },
        { "text", Encoding.ASCII.GetBytes("x,y\n1,2\n"), "not a NumPy .npy file" },
        { "zip", [(byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0], "zip archive" },
        { "magic only", [0x93, (byte)'N', (byte)'U'], "inside the .npy magic" },
        { "version 4", NpyBytes(GoodHeader, major: 4), "version 4.0 is not supported" },
        { "short header", NpyBytes(GoodHeader, claimedLength: 400)[..80], "the file ends after" },
        { "short data", NpyBytes(GoodHeader, data: new byte[20]), "the data ends after 20 of the 24 bytes" },
        { "big-endian", NpyBytes(GoodHeader.Replace("<f4", ">f4")), "got big-endian '>f4'; save with arr.astype('<f4')" },
        { "int64", NpyBytes(GoodHeader.Replace("<f4", "<i8"), data: new byte[48]), "got '<i8'" },
        { "fortran", NpyBytes(GoodHeader.Replace("False", "True")), "numpy.ascontiguousarray" },
        { "structured", NpyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }\n"), "structured dtype" },
        { "no shape", NpyBytes("{'descr': '<f4', 'fortran_order': False, }\n"), "no 'shape'" },
        { "negative shape", NpyBytes(GoodHeader.Replace("(2, 3)", "(2, -3)")), "not a size" },
        { "unclosed", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), \n"), "not a Python dict literal" },
        { "not a dict", NpyBytes("[1, 2]\n"), "not a dict" },
    };

    [Theory]
    [MemberData(nameof(BadNpy))]
    public void Damaged_npy_names_the_file_and_the_fault(string name, byte[] bytes, string fault)
    {
        using var scratch = new Fixtures.Scratch();
        string path = scratch.Write(name.Replace(' ', '_') + ".npy", bytes);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        output.WriteLine(e.Message);
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(fault, e.Message);
    }

    [Fact]
    public void Damaged_npz_names_the_file_and_entry()
    {
        using var scratch = new Fixtures.Scratch();
        var good = File.ReadAllBytes(Fixtures.Torch("lstm_f32.npz"));
        string cut = scratch.Write("cut.npz", good[..(good.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => Npz.Read(cut));
        output.WriteLine(e.Message);
        Assert.StartsWith(cut + ":", e.Message);
        Assert.Contains("not a readable zip archive", e.Message);

        string empty = scratch.Write("empty.npz", []);
        Assert.Contains("the file is empty", Assert.Throws<InvalidDataException>(() => Npz.Read(empty)).Message);

        string bad = scratch.File("bad.npz");
        using (var zip = ZipFile.Open(bad, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("w.npy").Open()) s.Write(NpyBytes(GoodHeader.Replace("<f4", ">f4")));
        }
        e = Assert.Throws<InvalidDataException>(() => Npz.Read(bad));
        output.WriteLine(e.Message);
        Assert.StartsWith($"{bad}, entry 'w.npy':", e.Message);
        Assert.Contains("'>f4'", e.Message);

        string other = scratch.File("other.npz");
        using (var zip = ZipFile.Open(other, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("notes.txt").Open()) s.Write("hello"u8);
        }
        e = Assert.Throws<InvalidDataException>(() => Npz.Read(other));
        Assert.StartsWith($"{other}, entry 'notes.txt':", e.Message);
        Assert.Contains("not a .npy array", e.Message);
    }

    [Fact]
    public void Npz_with_damaged_deflate_data_names_the_entry()
    {
        using var scratch = new Fixtures.Scratch();
        var bytes = File.ReadAllBytes(Fixtures.Torch("lstm_f64.npz"));
        // Overwrite the middle of the first entry's compressed data (after its local header and name).
        int start = 30 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(28));
        for (int i = start + 40; i < start + 240; i++) bytes[i] = 0xFF;
        string path = scratch.Write("damaged.npz", bytes);
        var e = Assert.Throws<InvalidDataException>(() => Npz.Read(path));
        output.WriteLine(e.Message);
        Assert.StartsWith($"{path}, entry 'weight_ih_l0.npy':", e.Message);
    }

    private static byte[] SafeTensorsBytes(string header, int dataBytes, ulong? claimed = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var b = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, claimed ?? (ulong)h.Length);
        h.CopyTo(b, 8);
        return b;
    }

    private const string OneTensor = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";

    public static TheoryData<string, byte[], string> BadSafeTensors() => new()
    {
        { "empty", [], "the file is empty" },
        { "short", [1, 0, 0], "fewer than the 8 of the header size" },
        { "header past end", SafeTensorsBytes(OneTensor, 24, claimed: 1000), "the header size says 1000 bytes but only" },
        { "not safetensors", Encoding.ASCII.GetBytes("PK\u0003\u0004 this is some other file"), "not a safetensors file" },
        { "bad json", SafeTensorsBytes("{\"w\":{\"dtype\":", 0), "not valid JSON" },
        { "array header", SafeTensorsBytes("[1,2]", 0), "not an object" },
        { "int64", SafeTensorsBytes(OneTensor.Replace("F32", "I64").Replace("24]", "48]"), 48), "dtype I64; expected F16, BF16, F32 or F64" },
        { "wrong span", SafeTensorsBytes(OneTensor.Replace("24]", "20]"), 20), "spans 20 bytes" },
        { "truncated", SafeTensorsBytes(OneTensor, 10), "only 10 data bytes" },
        { "hole", SafeTensorsBytes(OneTensor.Replace("[0,24]", "[8,32]"), 32), "bytes 0..8 of the data belong to no tensor" },
        { "trailing", SafeTensorsBytes(OneTensor, 30), "6 data bytes after the last tensor" },
        { "no shape", SafeTensorsBytes("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]}}", 24), "no \"shape\"" },
        { "metadata", SafeTensorsBytes("{\"__metadata__\":{\"epoch\":3}}", 0), "metadata 'epoch' is a JSON Number" },
    };

    [Theory]
    [MemberData(nameof(BadSafeTensors))]
    public void Damaged_safetensors_names_the_file_and_the_fault(string name, byte[] bytes, string fault)
    {
        using var scratch = new Fixtures.Scratch();
        string path = scratch.Write(name.Replace(' ', '_') + ".safetensors", bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        output.WriteLine(e.Message);
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(fault, e.Message);
    }

    [Fact]
    public void NdArray_checks_shape_against_data()
    {
        var e = Assert.Throws<ArgumentException>(() => new NdArray("w", [2, 3], new double[5]));
        Assert.Contains("shape [2, 3] holds 6 values, but 5 were given", e.Message);
        Assert.Throws<ArgumentException>(() => new NdArray("w", [-1], []));
    }
}
