using CellDsl.IO;
using CellDsl.Tests.Interop;
using CellDsl.Training.Layers;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.Training;

/// <summary>
/// PyTorch's two-layer bidirectional nn.LSTM and nn.GRU over a packed batch of lengths [4, 1, 3]
/// (tests/scripts/make_torch_fixtures.py, float64): their state_dicts import into two stacked
/// <see cref="BidirectionalLayer"/>s, and outputs, h_n, parameter gradients and dL/dx agree with PyTorch's.
/// </summary>
public class BidirectionalTorchTests
{
    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void A_pytorch_bidirectional_module_over_a_packed_batch_imports_and_matches_forward_and_backward(string kind)
    {
        var f = TorchImport.ReadStateDict(Fixtures.Torch(kind + "_bi_f64.npz"));
        int T = f["x"].Shape[0], B = f["x"].Shape[1], I = f["x"].Shape[2], H = f["h_n"].Shape[2];
        var lengths = f["lengths"].Data.Select(v => (int)v).ToArray();
        IRecurrentCell Load(int layer, bool reverse)
        {
            int input = layer == 0 ? I : 2 * H;
            if (kind == "lstm") { var c = new Lstm(input, H, seed: 0); TorchImport.LoadLstm(c, f, layer, reverse: reverse); return c; }
            var g = new GruTorch(input, H, seed: 0);
            TorchImport.LoadGru(g, f, layer, reverse: reverse);
            return g;
        }
        var stack = new SequenceStack(new ISequenceLayer[]
        {
            new BidirectionalLayer(Load(0, false), Load(0, true), T, B),
            new BidirectionalLayer(Load(1, false), Load(1, true), T, B),
        });
        stack.Forward(f["x"].ToFloats(), lengths);
        Assert.True(Fixtures.RelativeError(f["output"].Data, Fixtures.Doubles(stack.Output)) <= 1e-5, "output");
        var hn = f["h_n"].Data;
        for (int layer = 0; layer < 2; layer++)
            for (int d = 0; d < 2; d++)
            {
                var expected = hn.AsSpan((2 * layer + d) * B * H, B * H).ToArray();
                var actual = Enumerable.Range(0, B).SelectMany(b => stack.Layers[layer].Final.AsSpan(b * 2 * H + d * H, H).ToArray()).Select(v => (double)v).ToArray();
                Assert.True(Fixtures.RelativeError(expected, actual) <= 1e-5, $"h_n of layer {layer}, direction {d}");
            }

        // L = Σ w_output·output + Σ w_h_n·h_n of the top layer, whose two directions sit side by side in Final.
        var wHn = f["w_h_n"].ToFloats();
        var dFinal = new float[B * 2 * H];
        for (int d = 0; d < 2; d++)
            for (int b = 0; b < B; b++) wHn.AsSpan((d * B + b) * H, H).CopyTo(dFinal.AsSpan(b * 2 * H + d * H));
        foreach (var c in stack.Cells) c.ZeroGradients();
        var dx = new float[T * B * I];
        stack.Backward(f["w_output"].ToFloats(), dFinal, dx);
        Assert.True(Fixtures.RelativeError(f["grad.x"].Data, Fixtures.Doubles(dx)) <= 1e-5, "grad.x");
        for (int layer = 0; layer < 2; layer++)
            for (int d = 0; d < 2; d++)
            {
                var cell = stack.Layers[layer].Cells[d];
                var grads = kind == "lstm"
                    ? TorchImport.ExportLstm(cell, TorchValues.Gradients, layer, reverse: d == 1)
                    : TorchImport.ExportGru(cell, TorchValues.Gradients, layer, reverse: d == 1);
                foreach (var (name, g) in grads)
                    Assert.True(Fixtures.RelativeError(f["grad." + name].Data, g.Data) <= 1e-5, $"grad.{name}: relative error {Fixtures.RelativeError(f["grad." + name].Data, g.Data):E2}");
            }
    }
}
