using System.Collections.Generic;

namespace CellDsl.Compiler.Planning
{
    /// <summary>
    /// Which adjoint locations the backward pass has written so far, in the order of the schedule. That order
    /// is the execution order for every element: kernels and GEMMs of a step touch rows of step t only (or per-step
    /// buffers, rewritten every step), and each write covers its location's full width. So the first write to a
    /// location can store instead of add, a read before any write is a read of zero, and no gradient buffer needs
    /// clearing before the pass or at each step.
    /// </summary>
    internal sealed class AdjointWrites
    {
        private readonly HashSet<(int Buffer, int Column)> _written = new HashSet<(int, int)>();

        public bool IsWritten(Location loc) => _written.Contains((loc.Buffer, loc.Column));

        /// <summary>Records a write; true when it is the first (emit a store, not an add).</summary>
        public bool Write(Location loc) => _written.Add((loc.Buffer, loc.Column));
    }
}
