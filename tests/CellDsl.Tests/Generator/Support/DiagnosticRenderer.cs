using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;

namespace CellDsl.Tests.Generator.Support;

/// <summary>
/// Prints diagnostics the way a reader wants to review them in a snapshot:
/// <code>
/// CDSL0007 (5,9)-(5,10): State 'c' is never assigned ...
///     static void Step(Var x, ref Var h, ref Var c)
///                                                ^
/// </code>
/// Positions are 1-based; the underline covers the span on its first line.
/// </summary>
public static class DiagnosticRenderer
{
    public static string Render(IEnumerable<Diagnostic> diagnostics, params SourceFile[] sources)
    {
        var byPath = sources.ToDictionary(s => s.Path, s => Snapshot.Normalize(s.Text).Split('\n'));
        var sb = new StringBuilder();
        foreach (var d in Order(diagnostics))
        {
            var span = d.Location.GetLineSpan();
            string message = d.GetMessage(CultureInfo.InvariantCulture);
            if (!d.Location.IsInSource && d.Location.Kind != LocationKind.ExternalFile)
            {
                sb.Append(d.Id).Append(": ").AppendLine(message);
                continue;
            }
            var (start, end) = (span.StartLinePosition, span.EndLinePosition);
            sb.Append(d.Id).Append($" ({start.Line + 1},{start.Character + 1})-({end.Line + 1},{end.Character + 1}): ").AppendLine(message);
            if (!byPath.TryGetValue(span.Path, out var lines) || start.Line >= lines.Length) continue;
            string line = lines[start.Line];
            int from = Math.Min(start.Character, line.Length);
            int to = end.Line == start.Line ? Math.Min(end.Character, line.Length) : line.Length;
            sb.Append("    ").AppendLine(line.TrimEnd());
            sb.Append("    ").Append(Indent(line, from)).AppendLine(new string('^', Math.Max(1, to - from)));
        }
        return sb.ToString();
    }

    /// <summary>Source order, then id, so a snapshot does not depend on the order the pipeline reported them.</summary>
    public static IEnumerable<Diagnostic> Order(IEnumerable<Diagnostic> diagnostics)
        => diagnostics
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.GetMessage(CultureInfo.InvariantCulture), StringComparer.Ordinal);

    // Tabs stay tabs so the carets line up under the source in any editor.
    private static string Indent(string line, int column)
        => new(line.Take(column).Select(c => c == '\t' ? '\t' : ' ').ToArray());
}
