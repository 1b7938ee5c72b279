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
}
