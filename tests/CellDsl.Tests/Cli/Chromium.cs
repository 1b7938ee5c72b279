using System.Diagnostics;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>Debian's chromium run headless on a file, its profile in a fresh temp folder deleted afterwards. CELLDSL_CHROMIUM
/// names another binary; without one the tests that need it are skipped with that reason.</summary>
internal static class Chromium
{
    public const string Variable = "CELLDSL_CHROMIUM";

    public static string? Path { get; } = Find();

    public static string? SkipReason => Path is null
        ? $"chromium is not installed (Debian: apt-get install chromium; or set {Variable} to a Chromium binary); .ci/run installs it."
        : null;

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named) return File.Exists(named) ? named : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator).Append("/usr/bin"))
            foreach (var name in new[] { "chromium", "chromium-browser" })
                if (dir.Length > 0 && File.Exists(System.IO.Path.Combine(dir, name))) return System.IO.Path.Combine(dir, name);
        return null;
    }

    /// <summary>The page's DOM after Chromium loaded and laid it out, and the page's console messages (from Chromium's
    /// log on stderr: lines with CONSOLE).</summary>
    public static (string Dom, IReadOnlyList<string> Console) DumpDom(string file)
    {
        var (stdout, stderr) = Run(["--dump-dom", new Uri(System.IO.Path.GetFullPath(file)).AbsoluteUri]);
        return (stdout, stderr.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList());
    }

    /// <summary>Renders the page into a PNG of the given window size.</summary>
    public static void Screenshot(string file, string png, int width, int height)
        => Run([$"--screenshot={System.IO.Path.GetFullPath(png)}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(System.IO.Path.GetFullPath(file)).AbsoluteUri]);

    private static (string Stdout, string Stderr) Run(string[] args)
    {
        string binary = Path ?? throw new InvalidOperationException(SkipReason);
        string profile = Directory.CreateTempSubdirectory("celldsl-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                                      "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}" }.Concat(args))
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish within 2 minutes: {string.Join(' ', args)}");
            }
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); }
            catch (IOException) { }   // a Chromium child process still closing its files; the folder is in the temp folder
        }
    }
}

/// <summary>A fact that runs where Chromium is installed and is skipped, saying how to install it, elsewhere.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.SkipReason is { } reason) Skip = reason;
    }
}
