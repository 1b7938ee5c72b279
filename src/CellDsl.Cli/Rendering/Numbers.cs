using System.Globalization;

namespace CellDsl.Cli.Rendering
{
    /// <summary>Number formats shared by the renderers; invariant, so output does not change with the user's locale.</summary>
    public static class Numbers
    {
        /// <summary>A relative error at a fixed width: 3.1e-07.</summary>
        public static string Error(double value) => value.ToString("0.0e+00", CultureInfo.InvariantCulture);

        /// <summary>A tolerance as the user would type it: 1e-4, 2.5e-5.</summary>
        public static string Tolerance(double value) => value.ToString("0.##e+0", CultureInfo.InvariantCulture);

        /// <summary>A count with thousands separators: 3,383,200.</summary>
        public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        public static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
    }
}
