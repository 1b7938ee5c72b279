using System;
using CellDsl.Compiler.Graph;

namespace CellDsl.Search.Evaluation
{
    /// <summary>
    /// Cells compete at equal parameter counts, as in the paper: a candidate gets the hidden size whose model (embedding
    /// V×H, L layers of the cell with input and hidden size H, decoder H×V + V) has the parameter count closest to the
    /// GRU's at the task's budget; ties go to the smaller size.
    /// </summary>
    public static class ParameterMatching
    {
        /// <summary>The largest hidden size considered, as a multiple of the GRU's (a cell with almost no weights).</summary>
        public const int MaxFactor = 8;

        public static long ModelParameters(CellGraph cell, int layers, int vocabulary, int hidden)
            => 2L * vocabulary * hidden + vocabulary + layers * cell.ParameterCount(hidden, hidden);

        public static int HiddenSize(CellGraph cell, int layers, int vocabulary, long target, int maxHidden)
        {
            ArgumentNullException.ThrowIfNull(cell);
            if (layers <= 0 || vocabulary <= 0 || maxHidden <= 0)
                throw new ArgumentOutOfRangeException(nameof(layers), $"layers, vocabulary and maxHidden must be positive (got {layers}, {vocabulary}, {maxHidden})");
            int best = 1;
            long bestGap = long.MaxValue;
            for (int h = 1; h <= maxHidden; h++)
            {
                long gap = Math.Abs(ModelParameters(cell, layers, vocabulary, h) - target);
                if (gap < bestGap) { best = h; bestGap = gap; }
            }
            return best;
        }

        /// <summary>The hidden size that gives <paramref name="cell"/> the parameter count of <paramref name="gru"/> at <paramref name="gruHidden"/>.</summary>
        public static int Matched(CellGraph cell, CellGraph gru, int gruHidden, int layers, int vocabulary)
            => HiddenSize(cell, layers, vocabulary, ModelParameters(gru, layers, vocabulary, gruHidden), MaxFactor * gruHidden);
    }
}
