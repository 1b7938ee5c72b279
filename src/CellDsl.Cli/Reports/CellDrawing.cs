using System;
using System.Globalization;
using System.Linq;
using System.Text;
using CellDsl.Compiler.Graph;

namespace CellDsl.Cli.Reports
{
    /// <summary>A <see cref="GraphLayout"/> as inline SVG: a box per node (classed by kind, for the report's style sheet),
    /// an arrow per operand edge, the subtracted operand of a − dashed.</summary>
    public static class CellDrawing
    {
        /// <summary>The SVG element. <paramref name="id"/> must be unique in the page: the arrowhead marker is named after it.</summary>
        public static string Svg(GraphLayout layout, string cellName, string id)
        {
            var sb = new StringBuilder();
            string marker = id + "-arrow";
            sb.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cell-graph\" id=\"{Html.Escape(id)}\" data-cell=\"{Html.Escape(cellName)}\" "));
            sb.Append(Invariant($"width=\"{layout.Width:0}\" height=\"{layout.Height:0}\" viewBox=\"0 0 {layout.Width:0} {layout.Height:0}\" role=\"img\">"));
            sb.Append(Invariant($"<title>{Html.Escape(cellName)}: {layout.Boxes.Count} nodes, {layout.Edges.Count} edges</title>"));
            sb.Append(Invariant($"<defs><marker id=\"{marker}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"arrowhead\"/></marker></defs>"));

            double half = GraphLayout.BoxHeight / 2;
            for (int e = 0; e < layout.Edges.Count; e++)
            {
                var edge = layout.Edges[e];
                var chain = layout.Chains[e];
                var to = layout.Boxes[edge.To];
                bool subtrahend = to.Op == OpKind.Sub && edge.Operand == 1;
                sb.Append("<path class=\"").Append(subtrahend ? "edge subtracted" : "edge").Append("\" d=\"");
                for (int s = 0; s < chain.Count; s++)
                {
                    int v = chain[s];
                    // Leave a box from its bottom, enter the next at its top; virtual points are passed through.
                    double y = s == 0 ? layout.Y(v) + half : s == chain.Count - 1 ? layout.Y(v) - half : layout.Y(v);
                    sb.Append(Invariant($"{(s == 0 ? "M" : " L")} {layout.X(v):0.#} {y:0.#}"));
                }
                sb.Append(Invariant($"\" marker-end=\"url(#{marker})\"/>"));
            }
            for (int b = 0; b < layout.Boxes.Count; b++)
            {
                var box = layout.Boxes[b];
                double w = layout.BoxWidth(b), x = layout.X(b) - w / 2, y = layout.Y(b) - half;
                sb.Append(Invariant($"<g class=\"node {box.Kind.ToString().ToLowerInvariant()}\" data-node=\"{box.GraphNode}\">"));
                sb.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{w:0.#}\" height=\"{GraphLayout.BoxHeight:0}\" rx=\"{(box.Kind is BoxKind.Op or BoxKind.Activation ? 13 : 3)}\"/>"));
                sb.Append(Invariant($"<text x=\"{layout.X(b):0.#}\" y=\"{layout.Y(b) + 4.5:0.#}\" text-anchor=\"middle\">{Html.Escape(box.Label)}</text></g>"));
            }
            sb.Append("</svg>");
            return sb.ToString();
        }

        /// <summary>What the colours and strokes mean, for the caption under a drawing.</summary>
        public static string Legend()
            => string.Concat(new[] { (BoxKind.Input, "input"), (BoxKind.State, "previous state"), (BoxKind.Parameter, "bias"), (BoxKind.Constant, "constant"),
                    (BoxKind.Projection, "projection (W·, P⊙, Linear)"), (BoxKind.Op, "elementwise op"), (BoxKind.Activation, "activation"), (BoxKind.Output, "new state") }
                .Select(k => $"<span class=\"key {k.Item1.ToString().ToLowerInvariant()}\">{Html.Escape(k.Item2)}</span>"))
               + "<span class=\"key dashed\">dashed: the operand subtracted</span>";

        private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }
}
