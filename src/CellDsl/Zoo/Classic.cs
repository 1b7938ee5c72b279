using static CellDsl.CellOps;

namespace CellDsl.Zoo
{
    /// <summary>Elman's tanh RNN: h' = tanh(W x + W h + b).</summary>
    [RnnCell]
    public partial class TanhRnn
    {
        static void Step(Var x, ref Var h)
        {
            h = Tanh(W(x) + W(h) + B());
        }
    }

    /// <summary>The LSTM (Hochreiter &amp; Schmidhuber; forget gate of Gers et al.), without peepholes: PyTorch's nn.LSTM.</summary>
    [RnnCell]
    public partial class Lstm
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var i = Sigmoid(W(x) + W(h) + B());
            var f = Sigmoid(W(x) + W(h) + B());
            var g = Tanh(W(x) + W(h) + B());
            var o = Sigmoid(W(x) + W(h) + B());
            c = f * c + i * g;
            h = o * Tanh(c);
        }
    }

    /// <summary>LSTM-b: the LSTM with its forget-gate bias initialised to 1 (Jozefowicz et al. 2015).</summary>
    [RnnCell]
    public partial class LstmB
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var i = Sigmoid(W(x) + W(h) + B());
            var f = Sigmoid(W(x) + W(h) + B(1f));
            var g = Tanh(W(x) + W(h) + B());
            var o = Sigmoid(W(x) + W(h) + B());
            c = f * c + i * g;
            h = o * Tanh(c);
        }
    }

    /// <summary>The peephole LSTM, Greff et al.'s "vanilla" LSTM: gates see the cell (the output gate the new one).</summary>
    [RnnCell]
    public partial class PeepholeLstm
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = Tanh(W(x) + W(h) + B());
            var i = Sigmoid(W(x) + W(h) + P(c) + B());
            var f = Sigmoid(W(x) + W(h) + P(c) + B());
            c = z * i + c * f;
            var o = Sigmoid(W(x) + W(h) + P(c) + B());
            h = Tanh(c) * o;
        }
    }

    /// <summary>CIFG: the coupled input-forget gate LSTM, i = 1 - f (Greff et al.).</summary>
    [RnnCell]
    public partial class Cifg
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var f = Sigmoid(W(x) + W(h) + P(c) + B());
            var i = 1f - f;
            var z = Tanh(W(x) + W(h) + B());
            c = z * i + c * f;
            var o = Sigmoid(W(x) + W(h) + P(c) + B());
            h = Tanh(c) * o;
        }
    }

    /// <summary>The GRU of Cho et al. 2014: the reset gate acts before the recurrent projection, W(r ⊙ h); z gates the old state.</summary>
    [RnnCell]
    public partial class Gru
    {
        static void Step(Var x, ref Var h)
        {
            var r = Sigmoid(W(x) + W(h) + B());
            var z = Sigmoid(W(x) + W(h) + B());
            var n = Tanh(W(x) + W(r * h) + B());
            h = z * h + (1f - z) * n;
        }
    }

    /// <summary>
    /// The GRU as PyTorch, cuDNN and oneDNN ("linear-before-reset") compute it: the reset gate scales the recurrent
    /// projection, r ⊙ (W h + b_hn). Its parameters carry PyTorch's names so nn.GRU weights import one to one.
    /// </summary>
    [RnnCell]
    public partial class GruTorch
    {
        static void Step(Var x, ref Var h)
        {
            var r = Sigmoid(W(x, "W_ir") + W(h, "W_hr") + B(0f, "b_r"));
            var z = Sigmoid(W(x, "W_iz") + W(h, "W_hz") + B(0f, "b_z"));
            var n = Tanh(W(x, "W_in") + B(0f, "b_in") + r * (W(h, "W_hn") + B(0f, "b_hn")));
            h = (1f - z) * n + z * h;
        }
    }
}
