namespace CellDsl.Training.Layers
{
    /// <summary>The papers' initialisation of a cell, shared by every model: U[−s, s] for each parameter in layout
    /// order, except those declared with a constant init (LSTM-b's forget bias 1), set to it, and Linear(a, v)
    /// weights, which get a added on their diagonal.</summary>
    public static class CellInit
    {
        public static void Uniform(IRecurrentCell cell, CellRandom rng, float scale)
        {
            System.ArgumentNullException.ThrowIfNull(cell);
            System.ArgumentNullException.ThrowIfNull(rng);
            var all = cell.Parameters;
            foreach (var p in cell.ParameterLayout)
            {
                var span = all.Slice(p.Offset, p.Length);
                if (p.Init == InitKind.Constant) span.Fill(p.InitValue);
                else rng.FillUniform(span, -scale, scale);
                // Linear(a, v) (Jozefowicz et al.): small noise plus a on the diagonal, the a·I the mutation chose.
                if (p.Init == InitKind.SmallPlusDiagonal)
                    for (int d = 0; d < System.Math.Min(p.Rows, p.Columns); d++) span[d * p.Columns + d] += p.InitValue;
            }
        }
    }
}
