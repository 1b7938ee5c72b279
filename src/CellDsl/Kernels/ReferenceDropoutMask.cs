namespace CellDsl.Kernels
{
    /// <summary>Inverted dropout in float64: the oracle for <see cref="DropoutMask"/>.</summary>
    public static class ReferenceDropoutMask
    {
        /// <summary>The mask <see cref="DropoutMask.Fill"/> draws for the same generator state: 0 where u &lt; p, else 1/(1−p).</summary>
        public static double[] Mask(int length, double p, CellRandom random)
        {
            var mask = new double[length];
            for (int i = 0; i < length; i++) mask[i] = random.NextDouble() < p ? 0 : 1 / (1 - p);
            return mask;
        }
    }
}
