using System;
using System.Collections.Generic;

namespace CellDsl
{
    /// <summary>
    /// What every generated cell offers, so layers, trainers and tools can hold any of them.
    /// Tensors are flat row-major spans: x is [T, B, I]; outputs [T, B, H]; states are stacked [S, B, H] in
    /// <see cref="StateNames"/> order.
    /// </summary>
    public interface IRecurrentCell : IParameterized
    {
        /// <summary>The declaring class's name.</summary>
        string Name { get; }

        /// <summary>The cell graph in CellDsl's text form (readable by <c>CellDsl.Compiler.Graph.GraphText</c>).</summary>
        string Definition { get; }

        int InputSize { get; }
        int HiddenSize { get; }
        IReadOnlyList<string> StateNames { get; }

        /// <summary>Index into <see cref="StateNames"/> of the state that is the cell's output.</summary>
        int OutputState { get; }

        /// <summary>How <see cref="IParameterized.Parameters"/> (and <see cref="IParameterized.Gradients"/>, which
        /// Backward adds to) are laid out.</summary>
        IReadOnlyList<ParameterInfo> ParameterLayout { get; }

        /// <summary>The named parameter's view into <see cref="IParameterized.Parameters"/> (rows × columns, row-major).</summary>
        Span<float> Parameter(string name);

        /// <summary>The named parameter's view into <see cref="IParameterized.Gradients"/>.</summary>
        Span<float> Gradient(string name);

        /// <summary>All activation memory for sequences of <paramref name="steps"/> steps and <paramref name="batch"/> rows, allocated once.</summary>
        CellWorkspace CreateWorkspace(int steps, int batch);

        /// <summary>Runs the cell over x [T, B, I] from the given initial states [S, B, H] (empty: zeros).
        /// Results are read from the workspace (<see cref="CellWorkspace.Output"/>, <see cref="CellWorkspace.FinalState"/>).</summary>
        void Forward(CellWorkspace workspace, ReadOnlySpan<float> x, ReadOnlySpan<float> initialState = default);

        /// <summary>Back-propagates dL/d outputs [T, B, H] and dL/d final states [S, B, H] (either may be empty) through the
        /// last Forward on this workspace: adds to <see cref="IParameterized.Gradients"/> and writes dL/dx [T, B, I] and dL/d initial
        /// states [S, B, H] where those spans are not empty.</summary>
        void Backward(CellWorkspace workspace, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dFinalState = default,
            Span<float> dx = default, Span<float> dInitialState = default);
    }
}
