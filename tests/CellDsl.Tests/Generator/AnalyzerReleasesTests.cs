using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using CellDsl.Generator.Diagnostics;
using CellDsl.Tests.Generator.Support;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CellDsl.Tests.Generator;

/// <summary>The release-tracking files that ship with the generator list exactly the diagnostics table.</summary>
public class AnalyzerReleasesTests
{
    private static string GeneratorFile(string name) => Path.Combine(RepoPaths.Root, "generator", "CellDsl.Generator", name);

    /// <summary>Every descriptor of the table, found by reflection so a new one cannot be left out of this test.</summary>
    private static List<DiagnosticDescriptor> Table() => typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToList();

    private sealed record Rule(string Category, string Severity, string Notes);

    /// <summary>The rules in force after the shipped releases and then the unshipped one, read as the release-tracking
    /// analyzers read them: "New Rules" add, "Changed Rules" set a new category and severity, "Removed Rules" drop.</summary>
    private static Dictionary<string, Rule> TrackedRules()
    {
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal);
        foreach (var file in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
        {
            string section = "";
            int lineNo = 0;
            foreach (var raw in File.ReadAllLines(GeneratorFile(file)))
            {
                lineNo++;
                var line = raw.Trim();
                if (line.StartsWith("### ", StringComparison.Ordinal)) { section = line[4..]; continue; }
                if (!Regex.IsMatch(line, @"^CDSL\d{4}\s*\|")) continue;
                var cells = line.Split('|').Select(c => c.Trim()).ToArray();
                string where = $"{file}:{lineNo}";
                switch (section)
                {
                    case "New Rules":
                        Assert.False(rules.ContainsKey(cells[0]), $"{where}: {cells[0]} is added twice");
                        rules[cells[0]] = new Rule(cells[1], cells[2], cells.Length > 3 ? cells[3] : "");
                        break;
                    case "Changed Rules":
                        Assert.True(rules.ContainsKey(cells[0]), $"{where}: {cells[0]} is changed before it is added");
                        rules[cells[0]] = rules[cells[0]] with { Category = cells[1], Severity = cells[2] };
                        break;
                    case "Removed Rules":
                        Assert.True(rules.Remove(cells[0]), $"{where}: {cells[0]} is removed but was never added");
                        break;
                    default:
                        Assert.Fail($"{where}: rule row outside a New/Changed/Removed Rules section");
                        break;
                }
            }
        }
        return rules;
    }

    [Fact]
    public void Release_files_track_exactly_the_ids_of_the_diagnostics_table()
    {
        var tracked = TrackedRules();
        Assert.Equal(Table().Select(d => d.Id), tracked.Keys.OrderBy(id => id, StringComparer.Ordinal));
    }

    [Fact]
    public void Release_files_give_each_diagnostic_its_category_severity_and_title()
    {
        var tracked = TrackedRules();
        foreach (var d in Table())
        {
            var rule = tracked[d.Id];
            Assert.Equal((d.Id, d.Category), (d.Id, rule.Category));
            Assert.Equal((d.Id, d.DefaultSeverity.ToString()), (d.Id, rule.Severity));
            Assert.Equal((d.Id, d.Title.ToString(CultureInfo.InvariantCulture)), (d.Id, rule.Notes));
        }
    }

    [Fact]
    public void Every_descriptor_of_the_table_is_found_by_its_id()
    {
        foreach (var d in Table())
            Assert.Same(d, DiagnosticDescriptors.ById(d.Id));
    }
}
