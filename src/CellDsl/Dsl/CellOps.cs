using System;

namespace CellDsl
{
    /// <summary>
    /// The primitives of a cell declaration, used with <c>using static CellDsl.CellOps;</c>.
    /// Every call of <see cref="W"/>, <see cref="B"/>, <see cref="P"/> and <see cref="Linear"/> creates a fresh
    /// parameter, named after the value it feeds (W_x_i, b_i, p_c_f, ...) unless a name is given.
    /// </summary>
    public static class CellOps
    {
        /// <summary>A fresh dense weight applied to <paramref name="v"/>: W·v, mapping to the hidden size.</summary>
        public static Var W(Var v, string? name = null) => throw new InvalidOperationException(Var.NotExecutable);

        /// <summary>A fresh bias vector of the hidden size, initialised to <paramref name="init"/>.</summary>
        public static Var B(float init = 0f, string? name = null) => throw new InvalidOperationException(Var.NotExecutable);

        /// <summary>A fresh diagonal (peephole) weight: p ⊙ v.</summary>
        public static Var P(Var v, string? name = null) => throw new InvalidOperationException(Var.NotExecutable);

        /// <summary>Jozefowicz et al.'s Linear(a, v) = W·v + b, with W small random plus <paramref name="a"/> on its diagonal.</summary>
        public static Var Linear(float a, Var v, string? name = null) => throw new InvalidOperationException(Var.NotExecutable);

        /// <summary>The logistic function 1 / (1 + e^-v), elementwise.</summary>
        public static Var Sigmoid(Var v) => throw new InvalidOperationException(Var.NotExecutable);

        /// <summary>The hyperbolic tangent, elementwise.</summary>
        public static Var Tanh(Var v) => throw new InvalidOperationException(Var.NotExecutable);

        /// <summary>max(0, v), elementwise.</summary>
        public static Var Relu(Var v) => throw new InvalidOperationException(Var.NotExecutable);
    }
}
