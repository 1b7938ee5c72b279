using System;
using CellDsl.Compiler.Graph;
using CellDsl.Zoo;

namespace CellDsl.Search.Candidates
{
    /// <summary>The cells the search starts from and compares against, as graphs: the zoo's generated classes carry
    /// their graph text, so these are exactly the cells the generator compiled.</summary>
    public static class Baselines
    {
        public static CellGraph Lstm => Of("lstm");

        public static CellGraph LstmB => Of("lstm-b");

        public static CellGraph Gru => Of("gru");

        /// <summary>The graph of a zoo cell by its zoo name (lstm, gru, mut1, ...).</summary>
        public static CellGraph Of(string zooName)
        {
            var cell = CellZoo.Get(zooName).Create(1, 1, 1);
            return GraphText.Read(cell.Definition);
        }
    }
}
