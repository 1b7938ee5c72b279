using System.Text.Json;
using CellDsl.Kernels;
using CellDsl.Tests.Kernels;
using Xunit;

namespace CellDsl.Tests.Cli;

/// <summary>`celldsl cpu`: the facts and the kernel choice, as text and as the JSON line the benchmark scripts record.</summary>
[Collection(nameof(GemmKernelCollection))]
public class CpuCommandTests
{
    [Fact]
    public void Prints_the_cpu_model_the_cache_sizes_and_the_kernel_chosen()
    {
        var run = CliRun.Of("cpu");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        var facts = CpuFacts.Current;
        Assert.Contains(facts.ModelName, run.Output);
        Assert.Contains($"L2           {(facts.L2Bytes % (1 << 20) == 0 ? $"{facts.L2Bytes >> 20} MiB" : $"{facts.L2Bytes >> 10} KiB")} per core", run.Output);
        Assert.Contains($"GEMM kernel  {GemmKernel.Current}", run.Output);
    }

    [Fact]
    public void The_json_line_holds_the_same_facts_and_choice()
    {
        var run = CliRun.Of("cpu", "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        var facts = CpuFacts.Current;
        var kernel = GemmKernel.Current;
        Assert.Equal(facts.ModelName, root.GetProperty("model_name").GetString());
        Assert.Equal(facts.Family, root.GetProperty("family").GetInt32());
        Assert.Equal(facts.L2Bytes, root.GetProperty("l2_bytes").GetInt32());
        Assert.Equal(kernel.Name, root.GetProperty("gemm").GetString());
        Assert.Equal(kernel.NB, root.GetProperty("nb").GetInt32());
        Assert.Equal(256, root.GetProperty("kc").GetInt32());
    }

    /// <summary>Runs the command line with CELLDSL_GEMM set to <paramref name="value"/> and read again.</summary>
    private static CliRun WithVariable(string value, params string[] args)
    {
        string? saved = Environment.GetEnvironmentVariable(GemmKernel.Variable);
        var current = GemmKernel.Current;
        try
        {
            Environment.SetEnvironmentVariable(GemmKernel.Variable, value);
            GemmKernel.ReadVariableAgain();
            return CliRun.Of(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GemmKernel.Variable, saved);
            GemmKernel.Current = current;
        }
    }

    [Fact]
    public void A_bad_CELLDSL_GEMM_is_a_usage_error_that_names_the_valid_kernels()
    {
        var run = WithVariable("zmm99", "cpu");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("CELLDSL_GEMM='zmm99' is not a GEMM kernel", run.Error);
        Assert.Contains(GemmKernel.Choose(CpuFacts.Current).Name, run.Error);
        Assert.DoesNotContain("Parameter", run.Error);
    }

    [Fact]
    public void Training_with_a_bad_CELLDSL_GEMM_stops_at_the_first_product_with_the_same_message()
    {
        var folder = Directory.CreateTempSubdirectory("celldsl-cpu-");
        try
        {
            var run = WithVariable("ymm", TinyRuns.Xml(Path.Combine(folder.FullName, "run"), epochs: 1));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("CELLDSL_GEMM='ymm' is not a GEMM kernel", run.Error);
            Assert.DoesNotContain("   at ", run.Error);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_forced_tile_is_shown_as_forced()
    {
        var run = WithVariable(GemmKernel.Choose(CpuFacts.Current).Name.ToUpperInvariant(), "cpu");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("(forced by CELLDSL_GEMM)", run.Output);
    }
}
