using System.Text;
using Xunit;

namespace CellDsl.Tests.Training.Data;

/// <summary>A fresh temporary folder for the files a test writes, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "celldsl-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes text as UTF-8 without a byte order mark and returns the file's path.</summary>
    public string Write(string name, string text) => WriteBytes(name, new UTF8Encoding(false).GetBytes(text));

    public string WriteBytes(string name, byte[] bytes)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>
/// A test of the real corpora: it runs when CELLDSL_DATA names a folder holding ptb/ and tinyshakespeare/ and is
/// skipped, with the reason, otherwise.
/// </summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public const string Variable = "CELLDSL_DATA";

    public SharedDataFactAttribute(string subfolder)
    {
        string? root = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(root))
            Skip = $"{Variable} is not set; point it at a folder holding {subfolder}/ to test the real corpus.";
        else if (!Directory.Exists(System.IO.Path.Combine(root, subfolder)))
            Skip = $"{Variable}={root} has no {subfolder}/ folder.";
    }

    public static string Folder(string subfolder) => System.IO.Path.Combine(Environment.GetEnvironmentVariable(Variable)!, subfolder);
}
