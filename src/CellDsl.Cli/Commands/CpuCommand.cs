using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text.Json;
using CellDsl.Cli.Checking;
using CellDsl.Kernels;

namespace CellDsl.Cli.Commands
{
    /// <summary>`celldsl cpu`: what the GEMM read from the CPU and the kernel it chose, so a run's speed can be
    /// compared with one on another machine.</summary>
    public static class CpuCommand
    {
        public static Command Create(TextWriter output, TextWriter error)
        {
            var json = new Option<bool>("--json") { Description = "One JSON line instead of text (the benchmark scripts record it)." };
            var command = new Command("cpu", $"Show the CPU facts (model, vector ISA, L1d and L2 per core) and the GEMM kernel chosen from them ({GemmKernel.Variable} forces one).")
            {
                json,
            };
            command.SetAction(parse =>
            {
                var facts = CpuFacts.Current;
                GemmKernel kernel;
                try { kernel = GemmKernel.Current; }
                catch (ArgumentException e) when (e.ParamName == GemmKernel.Variable)
                {
                    error.WriteLine(ZooCatalog.StripParameterName(e));
                    return ExitCodes.Usage;
                }
                if (parse.GetValue(json))
                    output.WriteLine(JsonSerializer.Serialize(kernel.Describe(facts).ToDictionary(p => p.Key, p => p.Value)));
                else
                    Write(output, facts, kernel);
                return ExitCodes.Success;
            });
            return command;
        }

        private static void Write(TextWriter output, CpuFacts facts, GemmKernel kernel)
        {
            string width = facts.Isa != VectorIsa.Avx512 ? ""
                : facts.FullWidth512 ? "; 512-bit FMAs at full width (by the table)" : "; 512-bit FMAs double-pumped (by the table)";
            output.WriteLine($"CPU          {facts.ModelName} ({facts.Vendor}, family 0x{facts.Family:X2}, model 0x{facts.Model:X2})");
            output.WriteLine($"vectors      {GemmKernel.IsaName(facts.Isa)}, {facts.VectorRegisters} registers{width}");
            output.WriteLine($"L1d          {Size(facts.L1dBytes)} per core ({Source(facts.L1dSource)})");
            output.WriteLine($"L2           {Size(facts.L2Bytes)} per core ({Source(facts.L2Source)})");
            string why = kernel.Forced ? $"forced by {GemmKernel.Variable}" : $"chosen from the CPU; {GemmKernel.Variable}={string.Join("|", GemmKernel.Names)} forces a tile";
            output.WriteLine($"GEMM kernel  {kernel} ({why})");
        }

        private static string Size(int bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";

        private static string Source(CacheSource source) => source switch
        {
            CacheSource.Cpuid => "cpuid",
            CacheSource.Sysfs => "sysfs",
            _ => "not reported; the default",
        };
    }
}
