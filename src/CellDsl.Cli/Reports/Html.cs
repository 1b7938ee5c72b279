using System.Net;

namespace CellDsl.Cli.Reports
{
    /// <summary>Escaping for text and attribute values written into the report's HTML and SVG.</summary>
    public static class Html
    {
        public static string Escape(string? s) => WebUtility.HtmlEncode(s ?? "");
    }
}
