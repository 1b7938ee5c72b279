using CellDsl;
using static CellDsl.CellOps;

// h receives two values in one step: CDSL0008 at the second assignment (the line marked below).
[RnnCell]
public partial class TwiceAssigned
{
    static void Step(Var x, ref Var h)
    {
        h = Tanh(W(x) + W(h) + B());
        h = Sigmoid(W(x) + B());   // expect CDSL0008
    }
}
