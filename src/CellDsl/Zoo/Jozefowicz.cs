using static CellDsl.CellOps;

namespace CellDsl.Zoo
{
    // The three best architectures found by Jozefowicz, Zaremba & Sutskever (2015), as printed. Here z gates the
    // new candidate (h' = cand ⊙ z + h ⊙ (1 - z)), the opposite of the GRU's convention. MUT1's tanh(x) and MUT2's
    // raw x need input size == hidden size; the constructor says so when they differ.

    /// <summary>MUT1: z = σ(W x + b); r = σ(W x + W h + b); h' = tanh(W(r ⊙ h) + tanh(x) + b) ⊙ z + h ⊙ (1 - z).</summary>
    [RnnCell]
    public partial class Mut1
    {
        static void Step(Var x, ref Var h)
        {
            var z = Sigmoid(W(x) + B());
            var r = Sigmoid(W(x) + W(h) + B());
            h = Tanh(W(r * h) + Tanh(x) + B()) * z + h * (1f - z);
        }
    }

    /// <summary>MUT2: z = σ(W x + W h + b); r = σ(x + W h + b); h' = tanh(W(r ⊙ h) + W x + b) ⊙ z + h ⊙ (1 - z).</summary>
    [RnnCell]
    public partial class Mut2
    {
        static void Step(Var x, ref Var h)
        {
            var z = Sigmoid(W(x) + W(h) + B());
            var r = Sigmoid(x + W(h) + B());
            h = Tanh(W(r * h) + W(x) + B()) * z + h * (1f - z);
        }
    }

    /// <summary>MUT3: z = σ(W x + W tanh(h) + b); r = σ(W x + W h + b); h' = tanh(W(r ⊙ h) + W x + b) ⊙ z + h ⊙ (1 - z).</summary>
    [RnnCell]
    public partial class Mut3
    {
        static void Step(Var x, ref Var h)
        {
            var z = Sigmoid(W(x) + W(Tanh(h)) + B());
            var r = Sigmoid(W(x) + W(h) + B());
            h = Tanh(W(r * h) + W(x) + B()) * z + h * (1f - z);
        }
    }

    // The paper's ablations of its LSTM (no peepholes, as Lstm): each drops one gate, which is then 1. Greff et al.'s
    // NIG, NFG and NOG (Greff.cs) drop the same gates from the peephole LSTM instead.

    /// <summary>LSTM-f: the LSTM without its forget gate, c' = c + i ⊙ g (Jozefowicz et al. 2015, Table 1).</summary>
    [RnnCell]
    public partial class LstmF
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var i = Sigmoid(W(x) + W(h) + B());
            var g = Tanh(W(x) + W(h) + B());
            var o = Sigmoid(W(x) + W(h) + B());
            c = c + i * g;
            h = o * Tanh(c);
        }
    }

    /// <summary>LSTM-i: the LSTM without its input gate, c' = f ⊙ c + g (Jozefowicz et al. 2015, Table 1).</summary>
    [RnnCell]
    public partial class LstmI
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var f = Sigmoid(W(x) + W(h) + B());
            var g = Tanh(W(x) + W(h) + B());
            var o = Sigmoid(W(x) + W(h) + B());
            c = f * c + g;
            h = o * Tanh(c);
        }
    }

    /// <summary>LSTM-o: the LSTM without its output gate, h' = tanh(c') (Jozefowicz et al. 2015, Table 1).</summary>
    [RnnCell]
    public partial class LstmO
    {
        static void Step(Var x, ref Var h, ref Var c)
        {
            var i = Sigmoid(W(x) + W(h) + B());
            var f = Sigmoid(W(x) + W(h) + B());
            var g = Tanh(W(x) + W(h) + B());
            c = f * c + i * g;
            h = Tanh(c);
        }
    }
}
