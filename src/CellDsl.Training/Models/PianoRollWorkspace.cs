using System;
using CellDsl.Training.Data;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Models
{
    /// <summary>
    /// Every activation and gradient buffer of one <see cref="PianoRollModel"/> for batches of up to B sequences of up
    /// to T frames, allocated once. Rows are time-major (row t·B + b). A batch is right-padded: row b is valid for
    /// Lengths[b] steps (0 for a row no sequence fills); padded steps have zero inputs and weight 0, and the cells
    /// are causal, so padding reaches neither a valid prediction nor, through the zero weights, a gradient.
    /// </summary>
    public sealed class PianoRollWorkspace
    {
        internal PianoRollWorkspace(PianoRollModel model, int steps, int batch)
        {
            Model = model;
            Steps = steps;
            Batch = batch;
            int rows = steps * batch, C = model.Notes, H = model.Config.HiddenSize;
            Inputs = new float[rows * C];
            Targets = new float[rows * C];
            Weights = new float[rows];
            Lengths = new int[batch];
            Stack = new CellStack(model.Cells, steps, batch, model.Config.Dropout);
            OutputDropout = new Dropout(model.Config.Dropout, rows * H);
            Top = new float[rows * H];
            DTop = new float[rows * H];
            Logits = new float[rows * C];
            Nll = new float[rows];
        }

        public PianoRollModel Model { get; }
        public int Steps { get; }
        public int Batch { get; }

        /// <summary>Step t's input, frame t−1 of its row's sequence (zero at t = 0 and at padding), [T·B, C].</summary>
        public float[] Inputs { get; }

        /// <summary>Step t's target, frame t, [T·B, C].</summary>
        public float[] Targets { get; }

        /// <summary>1 on valid steps, 0 on padding, [T·B].</summary>
        public float[] Weights { get; }

        /// <summary>Valid steps of each row of the last Fill, [B].</summary>
        public int[] Lengths { get; }

        public CellStack Stack { get; }
        public Dropout OutputDropout { get; }

        /// <summary>The decoder's input: the top layer's outputs after dropout, [T·B, H].</summary>
        public float[] Top { get; }

        public float[] DTop { get; }

        /// <summary>Logits [T·B, C]; after Forward the probabilities, after Backward dL/d logits.</summary>
        public float[] Logits { get; }

        /// <summary>Each row's binary cross-entropy summed over the notes, after Forward.</summary>
        public float[] Nll { get; }

        /// <summary>Lays out <paramref name="sequences"/> of <paramref name="split"/> (at most B, each at most T frames)
        /// as the next batch; returns the valid frames, the count the batch's NLL is averaged over.</summary>
        public int Fill(PianoRollSplit split, ReadOnlySpan<int> sequences)
        {
            ArgumentNullException.ThrowIfNull(split);
            if (sequences.Length > Batch)
                throw new ArgumentException($"A batch of this workspace holds {Batch} sequences, got {sequences.Length}.", nameof(sequences));
            int C = Model.Notes, B = Batch, T = Steps, frames = 0;
            Array.Clear(Inputs);
            Array.Clear(Targets);
            Lengths.AsSpan().Clear();
            for (int b = 0; b < sequences.Length; b++)
            {
                int i = sequences[b];
                if ((uint)i >= (uint)split.Count)
                    throw new ArgumentOutOfRangeException(nameof(sequences), i, $"{split.Source} has sequences 0..{split.Count - 1}.");
                int n = split.Length(i);
                if (n > T) throw new ArgumentException($"{split.Source} sequence {i} has {n} steps; this workspace holds {T}.", nameof(sequences));
                var roll = split.Sequences[i];
                for (int t = 0; t < n; t++)
                {
                    roll.AsSpan(t * C, C).CopyTo(Targets.AsSpan((t * B + b) * C, C));
                    if (t + 1 < n) roll.AsSpan(t * C, C).CopyTo(Inputs.AsSpan(((t + 1) * B + b) * C, C));
                }
                Lengths[b] = n;
                frames += n;
            }
            SequenceLengths.StepWeights(Lengths, T, Weights);
            return frames;
        }
    }
}
