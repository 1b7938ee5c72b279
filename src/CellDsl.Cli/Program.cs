using System;
using CellDsl.Cli;
using CellDsl.Cli.Rendering;

return CliApp.Run(args, Console.Out, Console.Error, TextStyle.ForConsole());
