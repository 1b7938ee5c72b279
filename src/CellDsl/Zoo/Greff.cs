using static CellDsl.CellOps;

namespace CellDsl.Zoo
{
    // The eight variants of Greff et al., "LSTM: A Search Space Odyssey" (2015), each a change to the peephole
    // ("vanilla") LSTM. CIFG is in Classic.cs.

    /// <summary>NIG: no input gate (i = 1).</summary>
    [RnnCell]
    public partial class Nig
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = Tanh(W(x) + W(h) + B());
            var f = Sigmoid(W(x) + W(h) + P(c) + B());
            c = z + c * f;
            var o = Sigmoid(W(x) + W(h) + P(c) + B());
            h = Tanh(c) * o;
        }
    }

    /// <summary>NFG: no forget gate (f = 1).</summary>
    [RnnCell]
    public partial class Nfg
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = Tanh(W(x) + W(h) + B());
            var i = Sigmoid(W(x) + W(h) + P(c) + B());
            c = z * i + c;
            var o = Sigmoid(W(x) + W(h) + P(c) + B());
            h = Tanh(c) * o;
        }
    }

    /// <summary>NOG: no output gate (o = 1).</summary>
    [RnnCell]
    public partial class Nog
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = Tanh(W(x) + W(h) + B());
            var i = Sigmoid(W(x) + W(h) + P(c) + B());
            var f = Sigmoid(W(x) + W(h) + P(c) + B());
            c = z * i + c * f;
            h = Tanh(c);
        }
    }

    /// <summary>NIAF: no input activation function (the block input is linear).</summary>
    [RnnCell]
    public partial class Niaf
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = W(x) + W(h) + B();
            var i = Sigmoid(W(x) + W(h) + P(c) + B());
            var f = Sigmoid(W(x) + W(h) + P(c) + B());
            c = z * i + c * f;
            var o = Sigmoid(W(x) + W(h) + P(c) + B());
            h = Tanh(c) * o;
        }
    }

    /// <summary>NOAF: no output activation function (h = c ⊙ o).</summary>
    [RnnCell]
    public partial class Noaf
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = Tanh(W(x) + W(h) + B());
            var i = Sigmoid(W(x) + W(h) + P(c) + B());
            var f = Sigmoid(W(x) + W(h) + P(c) + B());
            c = z * i + c * f;
            var o = Sigmoid(W(x) + W(h) + P(c) + B());
            h = c * o;
        }
    }

    /// <summary>NP: no peepholes (the vanilla LSTM without P(c)).</summary>
    [RnnCell]
    public partial class Np
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var z = Tanh(W(x) + W(h) + B());
            var i = Sigmoid(W(x) + W(h) + B());
            var f = Sigmoid(W(x) + W(h) + B());
            c = z * i + c * f;
            var o = Sigmoid(W(x) + W(h) + B());
            h = Tanh(c) * o;
        }
    }

    /// <summary>FGR: full gate recurrence; every gate also sees the previous step's three gates (nine more matrices),
    /// so the gates become carried state.</summary>
    [RnnCell]
    public partial class Fgr
    {
        static void Step(Var x, ref Var h, ref Var c, ref Var i, ref Var f, ref Var o)
        {
            var z = Tanh(W(x) + W(h) + B());
            var ig = Sigmoid(W(x) + W(h) + P(c) + W(i) + W(f) + W(o) + B());
            var fg = Sigmoid(W(x) + W(h) + P(c) + W(i) + W(f) + W(o) + B());
            c = z * ig + c * fg;
            var og = Sigmoid(W(x) + W(h) + P(c) + W(i) + W(f) + W(o) + B());
            h = Tanh(c) * og;
            i = ig;
            f = fg;
            o = og;
        }
    }
}
