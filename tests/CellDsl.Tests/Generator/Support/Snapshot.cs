using System.Text;
using CellDsl.Compiler.Emit;
using Xunit.Sdk;

namespace CellDsl.Tests.Generator.Support;

/// <summary>
/// Compares text with a committed snapshot, <c>Snapshots/&lt;name&gt;.verified.&lt;ext&gt;</c>. On a mismatch the actual text
/// goes to <c>&lt;name&gt;.received.&lt;ext&gt;</c> and the test fails with the differing lines. With
/// <c>CELLDSL_UPDATE_SNAPSHOTS=1</c> the verified file is rewritten instead, and the test still fails so that an update
/// is always a deliberate, reviewed change.
/// </summary>
public static class Snapshot
{
    public const string UpdateVariable = "CELLDSL_UPDATE_SNAPSHOTS";

    private const int Context = 3;
    private const int MaxShown = 60;

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static string VerifiedPath(string name, string extension) => Path.Combine(RepoPaths.SnapshotFolder, $"{name}.verified.{extension}");

    public static string ReceivedPath(string name, string extension) => Path.Combine(RepoPaths.SnapshotFolder, $"{name}.received.{extension}");

    /// <summary>LF line endings, no byte-order mark, one final newline, and the generator's version replaced so that a
    /// version bump alone does not invalidate every snapshot.</summary>
    public static string Normalize(string text)
    {
        var s = text.Replace("\r\n", "\n").Replace('\r', '\n').TrimStart('\uFEFF');
        s = s.Replace($"\"{CellEmitter.ToolName}\", \"{CellEmitter.ToolVersion}\"", $"\"{CellEmitter.ToolName}\", \"{{version}}\"");
        return s.TrimEnd('\n') + "\n";
    }

    public static void Verify(string name, string actual, string extension = "cs")
    {
        string verifiedPath = VerifiedPath(name, extension);
        string receivedPath = ReceivedPath(name, extension);
        string received = Normalize(actual);
        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;

        if (verified == received)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        if (Updating)
        {
            File.WriteAllText(verifiedPath, received, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            throw new XunitException($"Snapshot '{name}' was {(verified is null ? "created" : "updated")} at {verifiedPath} because {UpdateVariable}=1. " +
                                     "Review the change, then run the tests again without the variable.");
        }
        File.WriteAllText(receivedPath, received, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (verified is null)
            throw new XunitException($"Snapshot '{name}' has no verified file. The output was written to {receivedPath}; " +
                                     $"review it and rename it to {Path.GetFileName(verifiedPath)}, or run the tests with {UpdateVariable}=1.");
        throw new XunitException($"Snapshot '{name}' differs from {Path.GetFileName(verifiedPath)} (the output was written to {receivedPath}; " +
                                 $"accept it with {UpdateVariable}=1).\n" + Diff(verified, received));
    }

    /// <summary>A line diff (longest common subsequence): each changed hunk with verified/received line numbers and a few
    /// lines of context, the first hunks only.</summary>
    public static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var ops = Edit(e, a);
        var sb = new StringBuilder();
        int first = ops.FindIndex(o => o.Kind != ' ');
        sb.AppendLine($"First difference at verified line {ops[first].E + 1}, received line {ops[first].A + 1} " +
                      $"(verified has {e.Length - 1} lines, received {a.Length - 1}; {ops.Count(o => o.Kind != ' ')} line(s) differ):");
        int hunks = 0, shown = 0;
        for (int i = first; i >= 0 && i < ops.Count && hunks < MaxHunks && shown < MaxShown; hunks++)
        {
            int from = Math.Max(0, i - Context);
            int end = i;
            // A hunk runs on while the next change is within two contexts' distance.
            for (int gap = 0; end < ops.Count && gap <= 2 * Context; end++) gap = ops[end].Kind == ' ' ? gap + 1 : 0;
            end = Math.Min(ops.Count, end - Context);
            sb.AppendLine("@@");
            for (int k = from; k < end && shown < MaxShown; k++, shown++)
            {
                var o = ops[k];
                string number = o.Kind == '+' ? $"{"",5} {o.A + 1,5}" : o.Kind == '-' ? $"{o.E + 1,5} {"",5}" : $"{o.E + 1,5} {o.A + 1,5}";
                sb.AppendLine($"{o.Kind} {number}  {(o.Kind == '+' ? a[o.A] : e[o.E])}");
            }
            i = ops.FindIndex(end, o => o.Kind != ' ');
        }
        if (shown >= MaxShown || hunks >= MaxHunks) sb.AppendLine("(more differences follow; compare the received file with the verified one)");
        return sb.ToString();
    }

    private const int MaxHunks = 5;

    private readonly record struct Op(char Kind, int E, int A);

    private static List<Op> Edit(string[] e, string[] a)
    {
        int n = e.Length, m = a.Length;
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i, j] = e[i] == a[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var ops = new List<Op>();
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && e[x] == a[y]) ops.Add(new Op(' ', x++, y++));
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1])) ops.Add(new Op('-', x++, y));
            else ops.Add(new Op('+', x, y++));
        }
        return ops;
    }
}
