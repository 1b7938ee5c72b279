using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CellDsl.Cli.Checking;
using CellDsl.Compiler.Graph;
using CellDsl.Compiler.Printing;
using CellDsl.Zoo;

namespace CellDsl.Cli.Rendering
{
    /// <summary>One row of `celldsl cells`: the count is null when the sizes do not fit the cell, and Requirement says why.</summary>
    public sealed record CellRow(string Name, string Description, long? ParameterCount, string? Requirement, IReadOnlyList<string> Statements);

    /// <summary>The zoo as an aligned table: name, parameter count, description, then the Step equations under the description.</summary>
    public static class CellsTable
    {
        public static IReadOnlyList<CellRow> Rows(IEnumerable<ZooEntry> entries, int inputSize, int hiddenSize)
        {
            var rows = new List<CellRow>();
            foreach (var entry in entries)
            {
                var graph = ZooCatalog.Graph(entry);
                string? requirement = inputSize == hiddenSize ? null : DslPrinter.SquareRequirement(graph);
                long? count = requirement is null ? graph.ParameterCount(inputSize, hiddenSize) : null;
                rows.Add(new CellRow(entry.Name, entry.Description, count, requirement, DslPrinter.Statements(graph)));
            }
            return rows;
        }

        public static void Write(TextWriter output, IReadOnlyList<CellRow> rows, int inputSize, int hiddenSize, TextStyle style)
        {
            const string NameHeader = "CELL", CountHeader = "PARAMETERS", DescriptionHeader = "DESCRIPTION AND STEP";
            var counts = rows.Select(r => r.ParameterCount is { } n ? Numbers.Count(n) : "-").ToList();
            int nameWidth = Math.Max(NameHeader.Length, rows.Max(r => r.Name.Length));
            int countWidth = Math.Max(CountHeader.Length, counts.Max(c => c.Length));
            string indent = new(' ', nameWidth + 2 + countWidth + 2);

            output.WriteLine($"{rows.Count} {(rows.Count == 1 ? "cell" : "cells")} at input size {inputSize}, hidden size {hiddenSize}");
            output.WriteLine();
            output.WriteLine(style.Bold($"{NameHeader.PadRight(nameWidth)}  {CountHeader.PadLeft(countWidth)}  {DescriptionHeader}"));
            for (int r = 0; r < rows.Count; r++)
            {
                var row = rows[r];
                if (r > 0) output.WriteLine();
                // Pad before styling: escape codes would otherwise count towards the column width.
                output.WriteLine($"{style.Bold(row.Name.PadRight(nameWidth))}  {counts[r].PadLeft(countWidth)}  {row.Description}");
                if (row.Requirement is { } why)
                    output.WriteLine(indent + style.Yellow($"needs input size == hidden size: {why}"));
                foreach (var line in row.Statements)
                    output.WriteLine(indent + line);
            }
        }
    }
}
