using System;

namespace CellDsl.Training.Data.Tasks
{
    /// <summary>How many tokens each stream of a generated task holds.</summary>
    public readonly record struct TaskSizes(int Train, int Valid, int Test)
    {
        /// <summary>A million training symbols (tens of thousands of examples), a tenth of that each for valid and test.
        /// The paper does not give its sizes; it drew fresh examples as it trained.</summary>
        public static TaskSizes Default => new(1_000_000, 100_000, 100_000);

        internal void Validate(string argument)
        {
            Check(Train, "Train", argument);
            Check(Valid, "Valid", argument);
            Check(Test, "Test", argument);
        }

        private static void Check(int length, string split, string argument)
        {
            if (length < 2)
                throw new ArgumentOutOfRangeException(argument, length,
                    $"{split} is {length} tokens; a stream needs at least 2 (one prediction). Ask for a positive length such as {Default.Train:N0}.");
        }
    }
}
