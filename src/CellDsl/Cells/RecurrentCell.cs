using System;
using System.Collections.Generic;

namespace CellDsl
{
    /// <summary>
    /// Base of every generated cell: parameters and gradients, named views, initialisation, workspaces and the
    /// argument checks around Forward and Backward. The generated part supplies the layout and the two kernels.
    /// </summary>
    public abstract class RecurrentCell : IRecurrentCell
    {
        private readonly float[] _parameters;
        private readonly float[] _gradients;
        private readonly Dictionary<string, ParameterInfo> _byName = new(StringComparer.Ordinal);

        protected RecurrentCell(CellLayout layout, int inputSize, int hiddenSize, int seed)
        {
            Layout = layout;
            InputSize = inputSize;
            HiddenSize = hiddenSize;
            _parameters = new float[layout.ParameterCount];
            _gradients = new float[layout.ParameterCount];
            foreach (var p in layout.Parameters) _byName.Add(p.Name, p);
            Initialize(seed);
        }

        internal CellLayout Layout { get; }

        public string Name => Layout.Name;
        public string Definition => Layout.Definition;
        public int InputSize { get; }
        public int HiddenSize { get; }
        public IReadOnlyList<string> StateNames => Layout.States;
        public int OutputState => Layout.OutputState;
        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public IReadOnlyList<ParameterInfo> ParameterLayout => Layout.Parameters;

        /// <summary>The parameter array itself, for generated kernels.</summary>
        protected float[] ParameterArray => _parameters;

        /// <summary>The gradient array itself, for generated kernels.</summary>
        protected float[] GradientArray => _gradients;

        public Span<float> Parameter(string name) { var p = Find(name); return _parameters.AsSpan(p.Offset, p.Length); }

        public Span<float> Gradient(string name) { var p = Find(name); return _gradients.AsSpan(p.Offset, p.Length); }

        public ParameterInfo Find(string name)
            => _byName.TryGetValue(name, out var p) ? p
               : throw new KeyNotFoundException($"Cell '{Name}' has no parameter '{name}'. Its parameters are: {string.Join(", ", _byName.Keys)}.");

        public void ZeroGradients() => Array.Clear(_gradients);

        /// <summary>Re-draws every parameter from its initialiser with the given seed (the constructor does this once).</summary>
        public void Initialize(int seed)
        {
            var rng = new CellRandom(seed);
            float scale = 1f / MathF.Sqrt(HiddenSize);
            foreach (var p in Layout.Parameters)
            {
                var span = _parameters.AsSpan(p.Offset, p.Length);
                switch (p.Init)
                {
                    case InitKind.Constant: span.Fill(p.InitValue); break;
                    case InitKind.Uniform: rng.FillUniform(span, -scale, scale); break;
                    case InitKind.SmallPlusDiagonal:
                        rng.FillUniform(span, -0.01f, 0.01f);
                        for (int d = 0; d < Math.Min(p.Rows, p.Columns); d++) span[d * p.Columns + d] += p.InitValue;
                        break;
                }
            }
        }

        public CellWorkspace CreateWorkspace(int steps, int batch)
        {
            if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence needs at least one step.");
            if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one row.");
            return new CellWorkspace(this, steps, batch, BufferSizes(steps, batch));
        }

        public void Forward(CellWorkspace workspace, ReadOnlySpan<float> x, ReadOnlySpan<float> initialState = default)
        {
            Check(workspace);
            int T = workspace.Steps, B = workspace.Batch, I = InputSize, H = HiddenSize, S = StateNames.Count;
            if (x.Length != T * B * I)
                throw new ArgumentException($"x must be [T={T}, B={B}, I={I}] = {T * B * I} floats, got {x.Length}.", nameof(x));
            if (!initialState.IsEmpty && initialState.Length != S * B * H)
                throw new ArgumentException($"initialState must be empty (zeros) or [S={S}, B={B}, H={H}] = {S * B * H} floats, got {initialState.Length}.", nameof(initialState));
            var data = workspace.Data;
            x.CopyTo(data.AsSpan(workspace.Offsets[Layout.X], x.Length));
            for (int k = 0; k < S; k++)
            {
                var s0 = data.AsSpan(workspace.Offsets[Layout.StateSequences[k]], B * H);
                if (initialState.IsEmpty) s0.Clear(); else initialState.Slice(k * B * H, B * H).CopyTo(s0);
            }
            ForwardCore(workspace);
            workspace.HasForward = true;
        }

        public void Backward(CellWorkspace workspace, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dFinalState = default,
            Span<float> dx = default, Span<float> dInitialState = default)
        {
            Check(workspace);
            if (!workspace.HasForward) throw new InvalidOperationException("Backward needs a Forward on the same workspace first.");
            int T = workspace.Steps, B = workspace.Batch, I = InputSize, H = HiddenSize, S = StateNames.Count;
            if (!dOutput.IsEmpty && dOutput.Length != T * B * H)
                throw new ArgumentException($"dOutput must be empty or [T={T}, B={B}, H={H}] = {T * B * H} floats, got {dOutput.Length}.", nameof(dOutput));
            if (!dFinalState.IsEmpty && dFinalState.Length != S * B * H)
                throw new ArgumentException($"dFinalState must be empty or [S={S}, B={B}, H={H}] floats, got {dFinalState.Length}.", nameof(dFinalState));
            if (!dx.IsEmpty && dx.Length != T * B * I)
                throw new ArgumentException($"dx must be empty or [T={T}, B={B}, I={I}] floats, got {dx.Length}.", nameof(dx));
            if (!dInitialState.IsEmpty && dInitialState.Length != S * B * H)
                throw new ArgumentException($"dInitialState must be empty or [S={S}, B={B}, H={H}] floats, got {dInitialState.Length}.", nameof(dInitialState));
            var data = workspace.Data;
            var offsets = workspace.Offsets;
            var dy = data.AsSpan(offsets[Layout.DY], T * B * H);
            if (dOutput.IsEmpty) dy.Clear(); else dOutput.CopyTo(dy);
            for (int k = 0; k < S; k++)
            {
                var ds = data.AsSpan(offsets[Layout.StateGradients[k]], B * H);
                if (dFinalState.IsEmpty) ds.Clear(); else dFinalState.Slice(k * B * H, B * H).CopyTo(ds);
            }
            BackwardCore(workspace);
            if (!dx.IsEmpty) data.AsSpan(offsets[Layout.DX], T * B * I).CopyTo(dx);
            if (!dInitialState.IsEmpty)
                for (int k = 0; k < S; k++)
                    data.AsSpan(offsets[Layout.StateGradients[k]], B * H).CopyTo(dInitialState.Slice(k * B * H, B * H));
        }

        private void Check(CellWorkspace workspace)
        {
            ArgumentNullException.ThrowIfNull(workspace);
            if (!ReferenceEquals(workspace.Owner, this))
                throw new ArgumentException($"This workspace was made by another cell; call CreateWorkspace on '{Name}'.", nameof(workspace));
        }

        /// <summary>Floats per workspace buffer for (T, B), in the order of <see cref="CellLayout.BufferNames"/>.</summary>
        protected abstract long[] BufferSizes(int steps, int batch);

        /// <summary>The generated forward pass; x and the initial states are already in the workspace.</summary>
        protected abstract void ForwardCore(CellWorkspace workspace);

        /// <summary>The generated backward pass; dY and the final-state gradients are in the workspace; the
        /// other gradient buffers hold whatever the last pass left, and the generated code writes each before reading it.</summary>
        protected abstract void BackwardCore(CellWorkspace workspace);

        /// <summary>The message thrown when a cell that needs input size == hidden size gets other sizes.</summary>
        protected static void RequireSquare(string cell, int inputSize, int hiddenSize, string reason)
        {
            if (inputSize != hiddenSize)
                throw new ArgumentException($"Cell '{cell}' needs input size == hidden size, but got input {inputSize} and hidden {hiddenSize}: {reason}. " +
                    "Use equal sizes (e.g. an embedding of the hidden size), or project x first with W(x).");
        }

        protected static void RequirePositive(int inputSize, int hiddenSize)
        {
            if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The input size must be positive.");
            if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "The hidden size must be positive.");
        }
    }
}
