using System.CommandLine;
using System.IO;
using CellDsl.Cli.Checking;
using CellDsl.Cli.Rendering;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl cells`: the zoo with descriptions, parameter counts for given sizes and Step equations.</summary>
    public static class CellsCommand
    {
        public const int DefaultSize = 650;

        public static Command Create(TextWriter output, TextStyle style)
        {
            var cells = CommonOptions.CellNames("Cells to show (default: the whole zoo).");
            var input = CommonOptions.Positive("--input", "Input size the parameter counts are for.", DefaultSize);
            var hidden = CommonOptions.Positive("--hidden", "Hidden size the parameter counts are for.", DefaultSize);
            var command = new Command("cells", "List the cell zoo: description, parameter count and Step equations of each cell.")
            {
                cells, input, hidden,
            };
            command.SetAction(parse =>
            {
                int i = parse.GetValue(input), h = parse.GetValue(hidden);
                var rows = CellsTable.Rows(ZooCatalog.Select(parse.GetValue(cells)), i, h);
                CellsTable.Write(output, rows, i, h, style);
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
