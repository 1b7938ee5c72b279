namespace CellDsl.Tests.Numerics;

/// <summary>Runs code with a process-wide setting (a forced lane width, a GEMM kernel) changed, and puts the setting
/// back however the code ends.</summary>
internal static class ProcessSetting
{
    public static TResult With<TValue, TResult>(Func<TValue> get, Action<TValue> set, TValue value, Func<TResult> run)
    {
        var saved = get();
        try
        {
            set(value);
            return run();
        }
        finally
        {
            set(saved);
        }
    }
}
