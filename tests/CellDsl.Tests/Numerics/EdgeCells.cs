using CellDsl;
using static CellDsl.CellOps;

namespace CellDsl.Tests.Numerics.Edge;

// Cells that exercise corners of the planner and emitter the zoo does not reach. Each is checked against the
// float64 oracle in EdgeCellTests.

/// <summary>No recurrence: the new state depends on x only (its value is computed before the time loop).</summary>
[RnnCell]
public partial class FeedForward
{
    static void Step(Var x, ref Var h)
    {
        h = Tanh(W(x) + B(0.5f));
    }
}

/// <summary>A projection of a projection, a product of two projections (their values are needed backward), Relu.</summary>
[RnnCell]
public partial class DenseOfDense
{
    static void Step(Var x, ref Var h)
    {
        var u = W(W(h));
        h = Relu(u + W(x) * W(h) - B());
    }
}

/// <summary>Linear(a, v) on x and on h, unary minus, constants on both sides.</summary>
[RnnCell]
public partial class Linears
{
    static void Step(Var x, ref Var h)
    {
        var a = -Linear(1.1f, h) * 0.5f;
        h = Tanh(2f * Linear(0.9f, x) + a - 1f);
    }
}

/// <summary>Two states take the same value; the output is the second state; one state is another's old value.</summary>
[RnnCell]
public partial class SharedStates
{
    static void Step(Var x, ref Var h, [Output] ref Var c, ref Var old)
    {
        old = c;
        var v = Sigmoid(W(x) + W(h) + W(old) + B());
        h = v;
        c = v;
    }
}

/// <summary>x-sized elementwise work before the loop (width I, not H), then projected.</summary>
[RnnCell]
public partial class InputWidthLoops
{
    static void Step(Var x, ref Var h)
    {
        var t = Tanh(x) * Sigmoid(x);
        h = Tanh(W(t) + W(h) + B()) * Sigmoid(W(x) + B());
    }
}

/// <summary>A state read after its assignment, a peephole on the input (needs I == H), compound assignment.</summary>
[RnnCell]
public partial class ReadAfterWrite
{
    static void Step(Var x, ref Var h, ref Var c)
    {
        c = Sigmoid(W(x) + W(h) + B()) * c + P(x);
        var k = Tanh(c);
        k += c * c;
        h = k * Sigmoid(W(h) + W(k, "W_special"));
    }
}

/// <summary>The input is never read: dL/dx is zero, and nothing in the backward pass writes it.</summary>
[RnnCell]
public partial class IgnoresInput
{
    static void Step(Var x, ref Var h)
    {
        h = Tanh(W(h) + B(0.5f));
    }
}

/// <summary>Two projections of values computed before the time loop (x and Tanh(x)) summed by one add: they share one
/// adjoint buffer (<c>CellPlan.SharedAdjoint</c>), written by the adjoint loop after the time loop, where the LSTM's
/// pairs are written by the time loop's.</summary>
[RnnCell]
public partial class PreSum
{
    static void Step(Var x, ref Var h)
    {
        h = Tanh(W(x) + W(Tanh(x)) + W(h) + B());
    }
}

/// <summary>Two groups of two projections (of x and of h) summed pairwise, but crossed: the first of x's with the second
/// of h's. Column by column they are not each other's adjoints, so each group keeps its own dZ.</summary>
[RnnCell]
public partial class CrossedSums
{
    static void Step(Var x, ref Var h, ref Var c)
    {
        var p = W(h);
        var q = W(h);
        var a = W(x) + q;
        var b = W(x) + p;
        h = Tanh(a);
        c = Sigmoid(b) * c + Tanh(a);
    }
}
