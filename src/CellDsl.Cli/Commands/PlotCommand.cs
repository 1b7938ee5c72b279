using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using CellDsl.Cli.Rendering;
using CellDsl.Cli.Runs;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl plot RUN...`: several runs' curves overlaid in one image.</summary>
    public static class PlotCommand
    {
        public const string DefaultOut = "curves.svg";

        public static Command Create(TextWriter output, TextWriter error, TextStyle style)
        {
            var runs = new Argument<string[]>("RUN") { Description = "Run folders celldsl train wrote.", Arity = ArgumentArity.OneOrMore };
            var outFile = new Option<string>("--out") { Description = $"The image to write, .svg or .png (default: {DefaultOut}).", HelpName = "FILE" };
            outFile.Validators.Add(result =>
            {
                string? value = result.GetValueOrDefault<string>();
                string extension = Path.GetExtension(value ?? "").ToLowerInvariant();
                if (extension is not (".svg" or ".png")) result.AddError($"--out must name an .svg or .png file, got '{value}'.");
            });
            var command = new Command("plot", "Overlay the training curves (train and valid loss per epoch) of several runs in one SVG or PNG.") { runs, outFile };
            command.SetAction(parse => RunErrors.Guard(error, () =>
            {
                var series = new List<(string, IReadOnlyList<MetricsRow>)>();
                foreach (var dir in parse.GetValue(runs)!)
                {
                    var folder = RunFolder.Existing(dir);
                    series.Add((folder.Name, MetricsLog.Read(folder.Metrics)));
                }
                // Two runs in folders of the same name (a/run, b/run) need their parents to tell them apart.
                var labels = series.Select(s => s.Item1).ToList();
                if (labels.Distinct().Count() < labels.Count)
                    series = series.Select((s, i) => (Path.GetFullPath(parse.GetValue(runs)![i]), s.Item2)).ToList();
                string path = parse.GetValue(outFile) ?? DefaultOut;
                Curves.Save(path, series);
                output.WriteLine($"wrote {Path.GetFullPath(path)} ({series.Count} runs)");
                return ExitCodes.Success;
            }));
            return command;
        }
    }
}
