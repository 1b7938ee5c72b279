using Microsoft.CodeAnalysis.Text;

namespace CellDsl.Tests.Generator.Support;

/// <summary>Source text with one span marked as <c>[|...|]</c>: the text without the markers, and the marked span.</summary>
public sealed record MarkedSource(string Text, TextSpan Span)
{
    public string SpannedText => Text.Substring(Span.Start, Span.Length);

    /// <summary>The marked span as 0-based (line, column) positions.</summary>
    public LinePositionSpan LineSpan => SourceText.From(Text).Lines.GetLinePositionSpan(Span);

    public static MarkedSource Parse(string marked)
    {
        int open = marked.IndexOf("[|", StringComparison.Ordinal);
        int close = marked.IndexOf("|]", StringComparison.Ordinal);
        if (open < 0 || close < open || marked.IndexOf("[|", open + 2, StringComparison.Ordinal) >= 0)
            throw new ArgumentException("Mark exactly one span with [| and |].", nameof(marked));
        string text = marked.Remove(close, 2).Remove(open, 2);
        return new MarkedSource(text, new TextSpan(open, close - open - 2));
    }
}
