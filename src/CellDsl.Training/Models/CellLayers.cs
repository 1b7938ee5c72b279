using System;
using System.Collections.Generic;
using CellDsl.Zoo;

namespace CellDsl.Training.Models
{
    /// <summary>The recurrent layers of a model, from zoo names or factories: what every model builds the same way.</summary>
    internal static class CellLayers
    {
        /// <summary>One factory per zoo name.</summary>
        public static IReadOnlyList<Func<int, int, int, IRecurrentCell>> Zoo(string[] names)
        {
            var factories = new Func<int, int, int, IRecurrentCell>[names.Length];
            for (int l = 0; l < factories.Length; l++) factories[l] = CellZoo.Get(names[l]).Create;
            return factories;
        }

        /// <summary>Layer l = factories[l](l == 0 ? input : hidden, hidden, seed + l), each checked to have those sizes;
        /// <paramref name="names"/> label the layers in messages.</summary>
        public static IRecurrentCell[] Build(IReadOnlyList<Func<int, int, int, IRecurrentCell>> factories, string[] names, int input, int hidden, int seed)
        {
            if (factories.Count != names.Length)
                throw new ArgumentException($"The config names {names.Length} layers ({string.Join(", ", names)}) but {factories.Count} cell factories were given.", "cells");
            var cells = new IRecurrentCell[factories.Count];
            for (int l = 0; l < cells.Length; l++)
            {
                int inputs = l == 0 ? input : hidden;
                var cell = factories[l](inputs, hidden, seed + l);
                if (cell.InputSize != inputs || cell.HiddenSize != hidden)
                    throw new ArgumentException($"The factory of layer {l} ({names[l]}) built a cell of input {cell.InputSize} and hidden {cell.HiddenSize}; the model asked for {inputs} and {hidden}.", "cells");
                cells[l] = cell;
            }
            return cells;
        }
    }
}
