using System;
using CellDsl.Training.Layers;

namespace CellDsl.Training.Models
{
    /// <summary>
    /// Every activation and gradient buffer of one <see cref="LanguageModel"/> for windows of T steps over B streams,
    /// allocated once; Forward and Backward only write here. Rows are time-major (row t·B + b), matching the cells'
    /// x [T, B, I]. The cell stack's carried states make a workspace one run's position: training, evaluation and
    /// generation each use their own.
    /// </summary>
    public sealed class LanguageModelWorkspace
    {
        internal LanguageModelWorkspace(LanguageModel model, int steps, int batch)
        {
            Model = model;
            Steps = steps;
            Batch = batch;
            int rows = steps * batch, E = model.Embedding.Dimension, H = model.Config.HiddenSize, V = model.VocabularySize;
            Inputs = new int[rows];
            Targets = new int[rows];
            Weights = new float[rows];
            Embedded = new float[rows * E];
            DEmbedded = new float[rows * E];
            InputDropout = new Dropout(model.Config.Dropout, rows * E);
            Stack = new CellStack(model.Cells, steps, batch, model.Config.Dropout);
            OutputDropout = new Dropout(model.Config.Dropout, rows * H);
            Top = new float[rows * H];
            DTop = new float[rows * H];
            Logits = new float[(long)rows * V <= Array.MaxLength ? rows * V : throw new ArgumentException($"The logits of T={steps}, B={batch}, V={V} do not fit in one array; use a smaller window or batch.")];
            Nll = new float[rows];
            Correct = new bool[rows];
        }

        public LanguageModel Model { get; }
        public int Steps { get; }
        public int Batch { get; }

        /// <summary>Input token of each row, [T·B].</summary>
        public int[] Inputs { get; }

        /// <summary>Target token of each row (the next token of its stream), [T·B].</summary>
        public int[] Targets { get; }

        /// <summary>1 where the row's target is scored, 0 where not, [T·B].</summary>
        public float[] Weights { get; }

        /// <summary>Embedding rows, dropped in place when training, [T·B, E].</summary>
        public float[] Embedded { get; }

        public float[] DEmbedded { get; }
        public Dropout InputDropout { get; }
        public CellStack Stack { get; }
        public Dropout OutputDropout { get; }

        /// <summary>The decoder's input: the top layer's outputs after dropout, [T·B, H].</summary>
        public float[] Top { get; }

        public float[] DTop { get; }

        /// <summary>Logits [T·B, V]; after Forward the probabilities, after Backward dL/d logits.</summary>
        public float[] Logits { get; }

        /// <summary>−log p(target) of each row after Forward.</summary>
        public float[] Nll { get; }

        /// <summary>Whether each row's most probable token is its target, after Forward.</summary>
        public bool[] Correct { get; }

        /// <summary>Starts the next window from zero states.</summary>
        public void ResetState() => Stack.ResetState();
    }
}
