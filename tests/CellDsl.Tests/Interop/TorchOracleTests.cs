using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Interpretation;
using CellDsl.IO;
using CellDsl.Zoo;
using Xunit;
using Xunit.Abstractions;

namespace CellDsl.Tests.Interop;

/// <summary>
/// PyTorch as the oracle: nn.LSTM and nn.GRU weights imported into the generated Lstm and GruTorch must reproduce
/// torch's outputs, final states and every gradient of L = sum(w_output*output) + sum(w_h_n*h_n) (+ sum(w_c_n*c_n)).
/// The fixtures come from tests/scripts/make_torch_fixtures.py.
/// </summary>
public class TorchOracleTests(ITestOutputHelper output)
{
    private const int I = 5, H = 7;

    /// <summary>What differs between the two modules: the cell, its states' names in the fixture, and the mapping.</summary>
    private sealed record Kind(
        Func<IReadOnlyDictionary<string, NdArray>, RecurrentCell> Create,
        string[] InitialStates, string[] FinalStates, string[] FinalWeights,
        Func<IRecurrentCell, IReadOnlyDictionary<string, NdArray>, double[]> Vector,
        Func<IRecurrentCell, double[], IReadOnlyDictionary<string, NdArray>> ExportGradients,
        Func<IRecurrentCell, IReadOnlyDictionary<string, NdArray>> ExportCellGradients);

    private static readonly Kind LstmKind = new(
        sd => { var c = new Lstm(I, H, seed: 0); TorchImport.LoadLstm(c, sd); return c; },
        ["h0", "c0"], ["h_n", "c_n"], ["w_h_n", "w_c_n"],
        (c, sd) => TorchImport.LstmVector(c, sd),
        (c, g) => TorchImport.ExportLstm(c, g, TorchValues.Gradients),
        c => TorchImport.ExportLstm(c, TorchValues.Gradients));

    private static readonly Kind GruKind = new(
        sd => { var c = new GruTorch(I, H, seed: 0); TorchImport.LoadGru(c, sd); return c; },
        ["h0"], ["h_n"], ["w_h_n"],
        (c, sd) => TorchImport.GruVector(c, sd),
        (c, g) => TorchImport.ExportGru(c, g, TorchValues.Gradients),
        c => TorchImport.ExportGru(c, TorchValues.Gradients));

    private static Kind KindOf(string file) => file.StartsWith("lstm", StringComparison.Ordinal) ? LstmKind : GruKind;

    [Theory]
    [InlineData("lstm_f32.npz")]
    [InlineData("lstm_f32.safetensors")]
    [InlineData("gru_f32.npz")]
    [InlineData("gru_f32.safetensors")]
    public void Generated_cell_matches_pytorch_in_float32(string file)
    {
        var kind = KindOf(file);
        var f = TorchImport.ReadStateDict(Fixtures.Torch(file));
        Assert.Equal(ElementType.Float32, f["x"].ElementType);
        var cell = kind.Create(f);
        int T = f["x"].Shape[0], B = f["x"].Shape[1], S = cell.StateNames.Count;
        var ws = cell.CreateWorkspace(T, B);
        cell.Forward(ws, f["x"].ToFloats(), Floats(Fixtures.Stack(f, kind.InitialStates)));
        var finals = new float[S * B * H];
        ws.CopyFinalStates(finals);

        cell.ZeroGradients();
        var dx = new float[T * B * I];
        var dInitial = new float[S * B * H];
        cell.Backward(ws, f["w_output"].ToFloats(), Floats(Fixtures.Stack(f, kind.FinalWeights)), dx, dInitial);

        var actual = new Dictionary<string, double[]>
        {
            ["output"] = Fixtures.Doubles(ws.Output),
            ["grad.x"] = Fixtures.Doubles(dx),
        };
        for (int k = 0; k < S; k++)
        {
            actual[kind.FinalStates[k]] = Fixtures.Doubles(finals.AsSpan(k * B * H, B * H));
            actual["grad." + kind.InitialStates[k]] = Fixtures.Doubles(dInitial.AsSpan(k * B * H, B * H));
        }
        foreach (var (name, g) in kind.ExportCellGradients(cell)) actual["grad." + name] = g.Data;
        AssertMatches(file, kind, f, actual, 1e-5);
    }

    [Theory]
    [InlineData("lstm_f64.npz")]
    [InlineData("gru_f64.npz")]
    public void Reference_interpreter_matches_pytorch_in_float64(string file)
    {
        var kind = KindOf(file);
        var f = TorchImport.ReadStateDict(Fixtures.Torch(file));
        Assert.Equal(ElementType.Float64, f["x"].ElementType);
        RecurrentCell layout = kind == LstmKind ? new Lstm(I, H) : new GruTorch(I, H);
        var graph = GraphText.Read(layout.Definition);
        var oracle = new ReferenceInterpreter(graph, I, H);
        for (int p = 0; p < graph.Parameters.Count; p++)
            Assert.Equal(layout.Find(graph.Parameters[p].Name).Offset, oracle.Offset(p)); // one layout for both

        var parameters = kind.Vector(layout, f);
        int T = f["x"].Shape[0], B = f["x"].Shape[1], S = graph.StateCount;
        var trace = oracle.Forward(parameters, f["x"].Data, T, B, Fixtures.Stack(f, kind.InitialStates));
        var grads = oracle.Backward(parameters, trace, f["w_output"].Data, Fixtures.Stack(f, kind.FinalWeights));

        var actual = new Dictionary<string, double[]>
        {
            ["output"] = trace.Outputs,
            ["grad.x"] = grads.Input,
        };
        for (int k = 0; k < S; k++)
        {
            actual[kind.FinalStates[k]] = trace.FinalStates[(k * B * H)..((k + 1) * B * H)];
            actual["grad." + kind.InitialStates[k]] = grads.InitialState[(k * B * H)..((k + 1) * B * H)];
        }
        foreach (var (name, g) in kind.ExportGradients(layout, grads.Parameters)) actual["grad." + name] = g.Data;
        AssertMatches(file, kind, f, actual, 1e-10);
    }

    [Fact]
    public void Wrong_hidden_size_names_the_tensor_and_both_shapes()
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch("lstm_f32.npz"));
        var cell = new Lstm(I, 8, seed: 0);
        var before = cell.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => TorchImport.LoadLstm(cell, f));
        output.WriteLine(e.Message);
        Assert.Contains("'weight_ih_l0'", e.Message);
        Assert.Contains("[28, 5]", e.Message);
        Assert.Contains("[32, 5]", e.Message);
        Assert.Contains("new Lstm(5, 7)", e.Message);
        Assert.Equal(before, cell.Parameters.ToArray()); // a failed import changes nothing
    }

    [Fact]
    public void Wrong_input_size_names_the_tensor_and_both_shapes()
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch("gru_f32.npz"));
        var e = Assert.Throws<ArgumentException>(() => TorchImport.LoadGru(new GruTorch(6, H), f));
        output.WriteLine(e.Message);
        Assert.Contains("'weight_ih_l0'", e.Message);
        Assert.Contains("[21, 5]", e.Message);
        Assert.Contains("[21, 6]", e.Message);
    }

    [Fact]
    public void Missing_tensor_suggests_the_prefix()
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch("lstm_f32.npz"));
        var nested = f.Values.ToDictionary(a => "encoder.rnn." + a.Name, a => a.Rename("encoder.rnn." + a.Name));
        var e = Assert.Throws<ArgumentException>(() => TorchImport.LoadLstm(new Lstm(I, H), nested));
        output.WriteLine(e.Message);
        Assert.Contains("'weight_ih_l0'", e.Message);
        Assert.Contains("prefix: \"encoder.rnn.\"", e.Message);

        var cell = new Lstm(I, H);
        TorchImport.LoadLstm(cell, nested, prefix: "encoder.rnn.");
        var direct = new Lstm(I, H);
        TorchImport.LoadLstm(direct, f);
        Assert.Equal(direct.Parameters.ToArray(), cell.Parameters.ToArray());

        var e2 = Assert.Throws<ArgumentException>(() => TorchImport.LoadLstm(new Lstm(I, H), f, layer: 1));
        Assert.Contains("'weight_ih_l1'", e2.Message);
    }

    [Fact]
    public void A_cell_without_the_modules_parameters_is_refused()
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch("gru_f32.npz"));
        var e = Assert.Throws<ArgumentException>(() => TorchImport.GruVector(new Gru(I, H), f));
        output.WriteLine(e.Message);
        Assert.Contains("nn.GRU", e.Message);
        Assert.Contains("GruTorch", e.Message);
    }

    [Fact]
    public void Import_sums_the_biases_and_export_splits_them_back()
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch("gru_f64.npz"));
        var cell = new GruTorch(I, H);
        TorchImport.LoadGru(cell, f);
        double[] bih = f["bias_ih_l0"].Data, bhh = f["bias_hh_l0"].Data;
        for (int j = 0; j < H; j++)
        {
            Assert.Equal((float)(bih[j] + bhh[j]), cell.Parameter("b_r")[j]);
            Assert.Equal((float)(bih[H + j] + bhh[H + j]), cell.Parameter("b_z")[j]);
            Assert.Equal((float)bih[2 * H + j], cell.Parameter("b_in")[j]);
            Assert.Equal((float)bhh[2 * H + j], cell.Parameter("b_hn")[j]);
        }
        Assert.Equal(f["weight_hh_l0"].Data[(2 * H + 3) * H + 4], cell.Parameter("W_hn")[3 * H + 4], 6);

        // Exported parameters put each summed bias into bias_ih and zeros into bias_hh: the same cell on re-import.
        var exported = TorchImport.ExportGru(cell);
        Assert.All(exported.Values, a => Assert.Equal(ElementType.Float32, a.ElementType));
        Assert.Equal(0.0, exported["bias_hh_l0"].Data[0]);
        Assert.Equal(bhh[2 * H], exported["bias_hh_l0"].Data[2 * H], 6);
        var again = new GruTorch(I, H, seed: 99);
        TorchImport.LoadGru(again, exported);
        Assert.Equal(cell.Parameters.ToArray(), again.Parameters.ToArray());

        using var scratch = new Fixtures.Scratch();
        foreach (var file in new[] { "gru.npz", "gru.safetensors" })
        {
            TorchImport.WriteStateDict(scratch.File(file), exported.Values);
            var fromFile = new GruTorch(I, H, seed: 5);
            TorchImport.LoadGru(fromFile, TorchImport.ReadStateDict(scratch.File(file)));
            Assert.Equal(cell.Parameters.ToArray(), fromFile.Parameters.ToArray());
        }
    }

    [Fact]
    public void Bias_free_modules_load_with_zero_biases()
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch("lstm_f32.npz"));
        var noBias = f.Where(kv => !kv.Key.StartsWith("bias", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var cell = new LstmB(I, H);
        TorchImport.LoadLstm(cell, noBias);
        foreach (var b in new[] { "b_i", "b_f", "b_g", "b_o" }) Assert.All(cell.Parameter(b).ToArray(), v => Assert.Equal(0f, v));

        var oneBias = noBias.Append(new KeyValuePair<string, NdArray>("bias_ih_l0", f["bias_ih_l0"])).ToDictionary();
        var e = Assert.Throws<ArgumentException>(() => TorchImport.LoadLstm(cell, oneBias));
        Assert.Contains("'bias_hh_l0'", e.Message);
    }

    [Fact]
    public void Pickled_checkpoints_are_refused_with_the_way_out()
    {
        var e = Assert.Throws<ArgumentException>(() => TorchImport.ReadStateDict("model.pt"));
        Assert.Contains("model.pt", e.Message);
        Assert.Contains("numpy.savez", e.Message);
    }

    /// <summary>Compares every expected tensor, prints each one's worst relative error, then fails listing all that exceed the tolerance.</summary>
    private void AssertMatches(string file, Kind kind, IReadOnlyDictionary<string, NdArray> expected, Dictionary<string, double[]> actual, double tolerance)
    {
        var wanted = expected.Keys.Where(k => k.StartsWith("grad.", StringComparison.Ordinal)).Concat(["output"]).Concat(kind.FinalStates);
        Assert.Equal(wanted.Order(), actual.Keys.Order()); // every gradient PyTorch computed is compared, nothing else
        var failures = new List<string>();
        double worst = 0;
        output.WriteLine($"{file}: worst |ours - torch| / max|torch| per tensor (tolerance {tolerance:E0})");
        foreach (var (name, values) in actual.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            double rel = Fixtures.RelativeError(expected[name].Data, values);
            worst = Math.Max(worst, rel);
            output.WriteLine($"  {name,-20} {rel:E2}");
            if (!(rel <= tolerance)) failures.Add($"{name} differs by {rel:E2}");
        }
        output.WriteLine($"  worst                {worst:E2}");
        Assert.True(failures.Count == 0, $"{file}: " + string.Join("; ", failures));
    }

    private static float[] Floats(double[] values) => values.Select(v => (float)v).ToArray();
}
