using System.Text.RegularExpressions;
using System.Xml.Linq;
using CellDsl.Generator;
using CellDsl.Tests.Generator.Support;
using Xunit;

namespace CellDsl.Tests.Packaging;

/// <summary>What the packages and the README promise stays in step with what is built
/// (tests/consumer/run.sh packs the packages and uses them).</summary>
public class PackageMetadataTests
{
    private static string PropsVersion()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        return props.Descendants().Single(e => e.Name.LocalName == "Version").Value.Trim();
    }

    [Fact]
    public void Build_check_requires_the_Roslyn_version_the_generator_is_built_against()
    {
        // The generator loads in any compiler at least as new as the Microsoft.CodeAnalysis it references, and in no older one.
        var roslyn = typeof(CellGenerator).Assembly.GetReferencedAssemblies().Single(a => a.Name == "Microsoft.CodeAnalysis").Version!;
        var targets = XDocument.Load(Path.Combine(RepoPaths.Root, "src", "CellDsl", "build", "CellDsl.targets"));
        var minimum = targets.Descendants().Single(e => e.Name.LocalName == "CellDslMinimumRoslyn").Value.Trim();
        Assert.Equal($"{roslyn.Major}.{roslyn.Minor}", minimum);
    }

    [Fact]
    public void Readme_references_the_version_all_packages_carry()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var referenced = Regex.Matches(readme, @"<PackageReference Include=""CellDsl[^""]*"" Version=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(referenced);
        Assert.All(referenced, v => Assert.Equal(PropsVersion(), v));
    }

    [Fact]
    public void Only_the_three_shipped_projects_set_a_version_or_say_they_are_packable()
    {
        // One version for all, set in Directory.Build.props; everything else stays unpacked by default.
        var projects = Directory.GetFiles(RepoPaths.Root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        !p.Contains($"{Path.DirectorySeparatorChar}consumer{Path.DirectorySeparatorChar}"));
        var packable = new List<string>();
        foreach (var path in projects)
        {
            var project = XDocument.Load(path);
            var name = Path.GetFileNameWithoutExtension(path);
            Assert.False(project.Descendants().Any(e => e.Name.LocalName is "Version" or "PackageVersion" or "VersionPrefix"),
                $"{name} sets its own version; the packages' one version is in Directory.Build.props");
            if (project.Descendants().Any(e => e.Name.LocalName == "IsPackable" && e.Value.Trim() == "true")) packable.Add(name);
        }
        Assert.Equal(new[] { "CellDsl", "CellDsl.Cli", "CellDsl.Training" }, packable.OrderBy(n => n, StringComparer.Ordinal));
    }
}
