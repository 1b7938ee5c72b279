using System;
using System.Collections.Generic;
using System.Linq;

namespace CellDsl.Zoo
{
    /// <summary>One cell of the zoo: a short name for command lines, what it is, and how to build it.</summary>
    public sealed record ZooEntry(string Name, string Description, Func<int, int, int, IRecurrentCell> Create);

    /// <summary>The cells that ship with CellDsl, each declared with the DSL in this folder.</summary>
    public static class CellZoo
    {
        public static IReadOnlyList<ZooEntry> All { get; } = new ZooEntry[]
        {
            new("tanh", "Elman tanh RNN", (i, h, s) => new TanhRnn(i, h, s)),
            new("lstm", "LSTM with forget gate, no peepholes (PyTorch nn.LSTM)", (i, h, s) => new Lstm(i, h, s)),
            new("lstm-b", "LSTM with forget-gate bias 1 (Jozefowicz et al.)", (i, h, s) => new LstmB(i, h, s)),
            new("lstm-f", "LSTM without forget gate, c = c + i*g (Jozefowicz et al.'s LSTM-f)", (i, h, s) => new LstmF(i, h, s)),
            new("lstm-i", "LSTM without input gate, c = f*c + g (Jozefowicz et al.'s LSTM-i)", (i, h, s) => new LstmI(i, h, s)),
            new("lstm-o", "LSTM without output gate, h = tanh(c) (Jozefowicz et al.'s LSTM-o)", (i, h, s) => new LstmO(i, h, s)),
            new("peephole", "peephole LSTM, Greff et al.'s vanilla LSTM", (i, h, s) => new PeepholeLstm(i, h, s)),
            new("cifg", "coupled input-forget gate LSTM, i = 1 - f", (i, h, s) => new Cifg(i, h, s)),
            new("gru", "GRU of Cho et al., W(r*h)", (i, h, s) => new Gru(i, h, s)),
            new("gru-torch", "GRU as PyTorch/cuDNN/oneDNN compute it (linear-before-reset)", (i, h, s) => new GruTorch(i, h, s)),
            new("mut1", "MUT1 of Jozefowicz et al. (needs input == hidden)", (i, h, s) => new Mut1(i, h, s)),
            new("mut2", "MUT2 of Jozefowicz et al. (needs input == hidden)", (i, h, s) => new Mut2(i, h, s)),
            new("mut3", "MUT3 of Jozefowicz et al.", (i, h, s) => new Mut3(i, h, s)),
            new("nig", "Greff NIG: no input gate", (i, h, s) => new Nig(i, h, s)),
            new("nfg", "Greff NFG: no forget gate", (i, h, s) => new Nfg(i, h, s)),
            new("nog", "Greff NOG: no output gate", (i, h, s) => new Nog(i, h, s)),
            new("niaf", "Greff NIAF: no input activation", (i, h, s) => new Niaf(i, h, s)),
            new("noaf", "Greff NOAF: no output activation", (i, h, s) => new Noaf(i, h, s)),
            new("np", "Greff NP: no peepholes", (i, h, s) => new Np(i, h, s)),
            new("fgr", "Greff FGR: full gate recurrence", (i, h, s) => new Fgr(i, h, s)),
        };

        /// <summary>The entry with this name (case-insensitive), or an exception listing the names there are.</summary>
        public static ZooEntry Get(string name)
            => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
               ?? throw new ArgumentException($"There is no cell '{name}' in the zoo. Cells: {string.Join(", ", All.Select(e => e.Name))}.", nameof(name));
    }
}
