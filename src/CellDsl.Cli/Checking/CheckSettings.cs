using System.Collections.Generic;

namespace CellDsl.Cli.Checking
{
    /// <summary>What `celldsl check` was asked to do, after parsing and validation.</summary>
    public sealed record CheckSettings(
        IReadOnlyList<string> Cells,
        int InputSize,
        int HiddenSize,
        int Steps,
        int Batch,
        int Seed,
        double Tolerance)
    {
        public const int DefaultInputSize = 4;
        public const int DefaultHiddenSize = 4;
        public const int DefaultSteps = 3;
        public const int DefaultBatch = 2;
        public const int DefaultSeed = 1;
        public const double DefaultTolerance = 1e-4;
    }
}
