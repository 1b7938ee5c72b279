using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CellDsl.Zoo;

namespace CellDsl.IO
{
    /// <summary>Which of a cell's vectors an export converts. They map back differently where PyTorch has two biases for one of ours.</summary>
    public enum TorchValues
    {
        /// <summary>Parameter values: a summed bias goes to bias_ih, and bias_hh gets zeros (only the sum matters to the cell).</summary>
        Parameters,
        /// <summary>Gradients: a summed bias's gradient is the gradient of both bias_ih and bias_hh.</summary>
        Gradients,
    }

    /// <summary>
    /// PyTorch weights in and out of generated cells. A PyTorch user saves a module's state_dict with
    /// numpy.savez (or as safetensors); <see cref="ReadStateDict"/> reads it and LoadLstm / LoadGru copy nn.LSTM and
    /// nn.GRU tensors into <see cref="Lstm"/>, <see cref="LstmB"/> and <see cref="GruTorch"/>:
    /// <code>
    /// var cell = new Lstm(inputSize: 5, hiddenSize: 7);
    /// TorchImport.LoadLstm(cell, TorchImport.ReadStateDict("lstm.npz"));
    /// </code>
    /// nn.LSTM stacks its gates i, f, g, o in the rows of weight_ih_lK [4H, I], weight_hh_lK [4H, H], bias_ih_lK and
    /// bias_hh_lK [4H]; gate k's rows become W_x_k, W_h_k and b_k = bias_ih + bias_hh. nn.GRU stacks r, z, n
    /// ([3H, ·]); they become W_ir, W_iz, W_in, W_hr, W_hz, W_hn, b_r and b_z (summed), b_in = bias_ih's n rows and
    /// b_hn = bias_hh's n rows (kept apart, since the reset gate scales W_hn h + b_hn).
    /// </summary>
    public static class TorchImport
    {
        /// <summary>Reads a state_dict saved as .npz (numpy.savez) or .safetensors, keyed by PyTorch's names.</summary>
        public static IReadOnlyDictionary<string, NdArray> ReadStateDict(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".npz" => Npz.Read(path),
                ".safetensors" => SafeTensors.Read(path),
                ".pt" or ".pth" or ".bin" or ".ckpt" => throw new ArgumentException(
                    $"{path}: torch.save files are Python pickles, which CellDsl does not read. In Python, save the tensors instead: " +
                    "numpy.savez('weights.npz', **{k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}).", nameof(path)),
                var ext => throw new ArgumentException($"{path}: unknown state_dict format '{ext}'; use .npz (numpy.savez) or .safetensors.", nameof(path)),
            };
        }

        /// <summary>Writes tensors as .npz or .safetensors by the extension of <paramref name="path"/>, e.g. what ExportLstm returns.</summary>
        public static void WriteStateDict(string path, IEnumerable<NdArray> tensors)
        {
            ArgumentNullException.ThrowIfNull(path);
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".npz": Npz.Write(path, tensors); break;
                case ".safetensors": SafeTensors.Write(path, tensors); break;
                case var ext: throw new ArgumentException($"{path}: unknown state_dict format '{ext}'; use .npz or .safetensors.", nameof(path));
            }
        }

        /// <summary>Copies layer <paramref name="layer"/> of an nn.LSTM state_dict into <paramref name="cell"/>.</summary>
        /// <param name="cell">The cell to fill; its input and hidden sizes must match the tensors.</param>
        /// <param name="stateDict">Tensors under PyTorch's names, e.g. from <see cref="ReadStateDict"/>; other entries are ignored.</param>
        /// <param name="layer">Which layer of a multi-layer module (the K in weight_ih_lK).</param>
        /// <param name="prefix">Prepended to PyTorch's names, for an LSTM inside a larger module (e.g. "encoder.rnn.").</param>
        /// <param name="reverse">Take the backward direction of a bidirectional LSTM (names ending in "_reverse").</param>
        /// <exception cref="ArgumentException">A tensor is missing or its shape does not fit the cell; nothing is changed.</exception>
        public static void LoadLstm(Lstm cell, IReadOnlyDictionary<string, NdArray> stateDict, int layer = 0, string prefix = "", bool reverse = false)
            => Load(cell, LstmMap, stateDict, layer, prefix, reverse);

        /// <summary>As <see cref="LoadLstm(Lstm, IReadOnlyDictionary{string, NdArray}, int, string, bool)"/>, for the LSTM-b variant (same parameters).</summary>
        public static void LoadLstm(LstmB cell, IReadOnlyDictionary<string, NdArray> stateDict, int layer = 0, string prefix = "", bool reverse = false)
            => Load(cell, LstmMap, stateDict, layer, prefix, reverse);

        /// <summary>Copies layer <paramref name="layer"/> of an nn.GRU state_dict into <paramref name="cell"/>.</summary>
        /// <inheritdoc cref="LoadLstm(Lstm, IReadOnlyDictionary{string, NdArray}, int, string, bool)"/>
        public static void LoadGru(GruTorch cell, IReadOnlyDictionary<string, NdArray> stateDict, int layer = 0, string prefix = "", bool reverse = false)
            => Load(cell, GruMap, stateDict, layer, prefix, reverse);

        /// <summary>
        /// The nn.LSTM tensors as a float64 vector in <paramref name="cell"/>'s parameter layout (the cell is only read),
        /// e.g. for CellDsl's float64 reference interpreter.
        /// </summary>
        public static double[] LstmVector(IRecurrentCell cell, IReadOnlyDictionary<string, NdArray> stateDict, int layer = 0, string prefix = "", bool reverse = false)
            => Import(cell, LstmMap, stateDict, Names(layer, prefix, reverse));

        /// <summary>The nn.GRU tensors as a float64 vector in <paramref name="cell"/>'s parameter layout.</summary>
        public static double[] GruVector(IRecurrentCell cell, IReadOnlyDictionary<string, NdArray> stateDict, int layer = 0, string prefix = "", bool reverse = false)
            => Import(cell, GruMap, stateDict, Names(layer, prefix, reverse));

        /// <summary>The cell's parameters or gradients (float32) under nn.LSTM's names and layout; write them with <see cref="WriteStateDict"/>.</summary>
        public static IReadOnlyDictionary<string, NdArray> ExportLstm(IRecurrentCell cell, TorchValues values = TorchValues.Parameters, int layer = 0, string prefix = "", bool reverse = false)
            => Export(cell, LstmMap, CellVector(cell, values), values, ElementType.Float32, Names(layer, prefix, reverse));

        /// <summary>A float64 vector in the cell's layout (parameters or gradients) under nn.LSTM's names and layout.</summary>
        public static IReadOnlyDictionary<string, NdArray> ExportLstm(IRecurrentCell cell, ReadOnlySpan<double> vector, TorchValues values, int layer = 0, string prefix = "", bool reverse = false)
            => Export(cell, LstmMap, vector, values, ElementType.Float64, Names(layer, prefix, reverse));

        /// <summary>The cell's parameters or gradients (float32) under nn.GRU's names and layout.</summary>
        public static IReadOnlyDictionary<string, NdArray> ExportGru(IRecurrentCell cell, TorchValues values = TorchValues.Parameters, int layer = 0, string prefix = "", bool reverse = false)
            => Export(cell, GruMap, CellVector(cell, values), values, ElementType.Float32, Names(layer, prefix, reverse));

        /// <summary>A float64 vector in the cell's layout (parameters or gradients) under nn.GRU's names and layout.</summary>
        public static IReadOnlyDictionary<string, NdArray> ExportGru(IRecurrentCell cell, ReadOnlySpan<double> vector, TorchValues values, int layer = 0, string prefix = "", bool reverse = false)
            => Export(cell, GruMap, vector, values, ElementType.Float64, Names(layer, prefix, reverse));

        // ---- the mapping ----

        /// <summary>PyTorch's four tensors per layer and direction, in state_dict order.</summary>
        private static readonly string[] TorchTensors = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };

        /// <summary>Gate block <paramref name="Block"/> (rows Block·H .. Block·H + H) of one of <see cref="TorchTensors"/>.</summary>
        private readonly record struct Source(int Tensor, int Block);

        /// <summary>A cell parameter is the sum of one or two PyTorch blocks.</summary>
        private sealed record Target(string Parameter, Source[] Sources);

        private sealed record RnnMap(string Module, string CellNames, string Constructor, int Gates, Target[] Targets);

        private static readonly RnnMap LstmMap = new("nn.LSTM", "Lstm or LstmB", "Lstm", 4, "ifgo".SelectMany((g, k) => new[]
        {
            new Target($"W_x_{g}", new[] { new Source(0, k) }),
            new Target($"W_h_{g}", new[] { new Source(1, k) }),
            new Target($"b_{g}", new[] { new Source(2, k), new Source(3, k) }),
        }).ToArray());

        private static readonly RnnMap GruMap = new("nn.GRU", "GruTorch", "GruTorch", 3, "rzn".SelectMany((g, k) => new[]
        {
            new Target($"W_i{g}", new[] { new Source(0, k) }),
            new Target($"W_h{g}", new[] { new Source(1, k) }),
        }).Concat(new[]
        {
            new Target("b_r", new[] { new Source(2, 0), new Source(3, 0) }),
            new Target("b_z", new[] { new Source(2, 1), new Source(3, 1) }),
            new Target("b_in", new[] { new Source(2, 2) }),
            new Target("b_hn", new[] { new Source(3, 2) }),
        }).ToArray());

        private sealed record TorchNames(string Prefix, string Suffix)
        {
            public string Of(int tensor) => Prefix + TorchTensors[tensor] + Suffix;
        }

        private static TorchNames Names(int layer, string prefix, bool reverse)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(layer);
            ArgumentNullException.ThrowIfNull(prefix);
            return new TorchNames(prefix, $"_l{layer}" + (reverse ? "_reverse" : ""));
        }

        private static void Load(RecurrentCell cell, RnnMap map, IReadOnlyDictionary<string, NdArray> stateDict, int layer, string prefix, bool reverse)
        {
            ArgumentNullException.ThrowIfNull(cell);
            var vector = Import(cell, map, stateDict, Names(layer, prefix, reverse));
            var parameters = cell.Parameters;
            for (int i = 0; i < vector.Length; i++) parameters[i] = (float)vector[i];
        }

        private static double[] CellVector(IRecurrentCell cell, TorchValues values)
        {
            ArgumentNullException.ThrowIfNull(cell);
            var span = values == TorchValues.Gradients ? cell.Gradients : cell.Parameters;
            var r = new double[span.Length];
            for (int i = 0; i < r.Length; i++) r[i] = span[i];
            return r;
        }

        private static int VectorLength(IRecurrentCell cell) => cell.ParameterLayout.Max(p => p.Offset + p.Length);

        /// <summary>Throws unless the cell's parameters are exactly those the map fills, so no parameter is left as it was.</summary>
        private static void CheckCell(IRecurrentCell cell, RnnMap map)
        {
            var have = cell.ParameterLayout.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var want = map.Targets.Select(t => t.Parameter).ToHashSet(StringComparer.Ordinal);
            if (have.SetEquals(want)) return;
            var missing = want.Except(have).ToList();
            var extra = have.Except(want).ToList();
            var faults = new List<string>();
            if (missing.Count > 0) faults.Add($"it lacks {string.Join(", ", missing)}");
            if (extra.Count > 0) faults.Add($"it has {string.Join(", ", extra)}, which {map.Module} has not");
            throw new ArgumentException($"Cell '{cell.Name}' does not have the parameters of {map.Module} ({string.Join("; ", faults)}). " +
                $"{map.Module} weights load into {map.CellNames}.", nameof(cell));
        }

        private static double[] Import(IRecurrentCell cell, RnnMap map, IReadOnlyDictionary<string, NdArray> stateDict, TorchNames names)
        {
            ArgumentNullException.ThrowIfNull(cell);
            ArgumentNullException.ThrowIfNull(stateDict);
            CheckCell(cell, map);
            int I = cell.InputSize, H = cell.HiddenSize, G = map.Gates;

            var tensors = new NdArray?[TorchTensors.Length];
            for (int t = 0; t < tensors.Length; t++) stateDict.TryGetValue(names.Of(t), out tensors[t]);
            for (int t = 0; t < 2; t++)
                if (tensors[t] is null) throw Missing(map, stateDict, names.Of(t));
            // bias=False modules have neither bias; one without the other is a damaged state_dict.
            if ((tensors[2] is null) != (tensors[3] is null))
                throw Missing(map, stateDict, names.Of(tensors[2] is null ? 2 : 3));
            if (ReferenceEquals(map, LstmMap) && stateDict.ContainsKey(names.Prefix + "weight_hr" + names.Suffix))
                throw new ArgumentException($"The state_dict has '{names.Prefix}weight_hr{names.Suffix}': an nn.LSTM with proj_size > 0, whose projected " +
                    "hidden state CellDsl's Lstm does not have. Use an LSTM without proj_size.", nameof(stateDict));

            var expected = new[] { new[] { G * H, I }, new[] { G * H, H }, new[] { G * H }, new[] { G * H } };
            for (int t = 0; t < tensors.Length; t++)
                if (tensors[t] is { } a && !a.Shape.SequenceEqual(expected[t]))
                    throw new ArgumentException($"{map.Module} tensor '{names.Of(t)}' has shape {a.ShapeText}, but cell '{cell.Name}' " +
                        $"(input size {I}, hidden size {H}) needs {NdArray.Format(expected[t])}" +
                        $" ({G} gates × hidden {H}{(t < 2 ? $", {(t == 0 ? "input" : "hidden")} {expected[t][1]}" : "")}). " +
                        SizeHint(map, tensors, names), nameof(stateDict));

            var vector = new double[VectorLength(cell)];
            foreach (var target in map.Targets)
            {
                var p = cell.ParameterLayout.First(q => q.Name == target.Parameter);
                foreach (var s in target.Sources)
                {
                    if (tensors[s.Tensor] is not { } a) continue; // bias=False: the bias stays 0
                    int from = s.Block * H * p.Columns;
                    for (int i = 0; i < p.Length; i++) vector[p.Offset + i] += a.Data[from + i];
                }
            }
            return vector;
        }

        private static IReadOnlyDictionary<string, NdArray> Export(IRecurrentCell cell, RnnMap map, ReadOnlySpan<double> vector, TorchValues values, ElementType type, TorchNames names)
        {
            ArgumentNullException.ThrowIfNull(cell);
            CheckCell(cell, map);
            int n = VectorLength(cell);
            if (vector.Length != n)
                throw new ArgumentException($"The vector has {vector.Length} values, but cell '{cell.Name}' has {n} parameters.", nameof(vector));
            int I = cell.InputSize, H = cell.HiddenSize, G = map.Gates;
            var shapes = new[] { new[] { G * H, I }, new[] { G * H, H }, new[] { G * H }, new[] { G * H } };
            var data = shapes.Select(s => new double[s.Aggregate(1, (a, b) => a * b)]).ToArray();
            foreach (var target in map.Targets)
            {
                var p = cell.ParameterLayout.First(q => q.Name == target.Parameter);
                for (int j = 0; j < target.Sources.Length; j++)
                {
                    // Only the sum bias_ih + bias_hh reaches the cell: its gradient is each one's, its value goes to bias_ih.
                    if (values == TorchValues.Parameters && j > 0) continue;
                    var s = target.Sources[j];
                    vector.Slice(p.Offset, p.Length).CopyTo(data[s.Tensor].AsSpan(s.Block * H * p.Columns, p.Length));
                }
            }
            var result = new Dictionary<string, NdArray>(StringComparer.Ordinal);
            for (int t = 0; t < shapes.Length; t++) result.Add(names.Of(t), new NdArray(names.Of(t), shapes[t], data[t], type));
            return result;
        }

        private static ArgumentException Missing(RnnMap map, IReadOnlyDictionary<string, NdArray> stateDict, string key)
        {
            string hint;
            var similar = stateDict.Keys.Where(k => k.EndsWith(key, StringComparison.Ordinal)).ToList();
            if (similar.Count > 0)
                hint = $" It has '{similar[0]}': pass prefix: \"{similar[0][..^key.Length]}\".";
            else
            {
                var shown = stateDict.Keys.Take(12).ToList();
                hint = stateDict.Count == 0 ? " The state_dict is empty."
                    : $" It has: {string.Join(", ", shown)}{(stateDict.Count > shown.Count ? $" and {stateDict.Count - shown.Count} more" : "")}.";
            }
            return new ArgumentException($"The state_dict has no {map.Module} tensor '{key}'.{hint}", nameof(stateDict));
        }

        /// <summary>What sizes the tensors were saved with, when their shapes tell, as the constructor call to use.</summary>
        private static string SizeHint(RnnMap map, NdArray?[] tensors, TorchNames names)
        {
            if (tensors[0] is { Rank: 2 } ih && tensors[1] is { Rank: 2 } hh && hh.Shape[0] == map.Gates * hh.Shape[1] && ih.Shape[0] == hh.Shape[0])
                return $"The state_dict was saved with input size {ih.Shape[1]} and hidden size {hh.Shape[1]}: create the cell as new {map.Constructor}({ih.Shape[1]}, {hh.Shape[1]}).";
            return $"Check that '{names.Of(0)}' belongs to an {map.Module} (gates stacked in rows: {map.Gates} × hidden size).";
        }
    }
}
