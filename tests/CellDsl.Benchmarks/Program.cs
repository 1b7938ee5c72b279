using BenchmarkDotNet.Running;
using CellDsl.Benchmarks;

// `throughput [cells] [batches] [hiddens] [layers] [budget-seconds]` prints JSON lines for the peer comparison;
// `gemm [batches] [hiddens] [budget]` prints SGEMM GFLOP/s lines; `cpu` the CPU facts and GEMM kernel as one JSON line;
// `train-step [small,medium] [budget]` whole training steps' tokens/s; `train-step-parts [small,medium] [budget]` ms per part of that step;
// `decoder-gemms [small,medium] [switch] [rounds]` the decoder's three products with one GEMM switch off and on, paired;
// `trace [cell] [batch] [hidden] [passes]` the worker's hand-offs per call site (from the Trace configuration); anything else goes to BenchmarkDotNet (e.g. --filter *GemmBenchmarks* --job short).
if (args.Length > 0 && args[0] == "throughput")
{
    string cells = args.Length > 1 ? args[1] : "lstm,gru-torch,peephole,cifg,gru,mut1,mut2,mut3";
    string batches = args.Length > 2 ? args[2] : "20,64";
    string hiddens = args.Length > 3 ? args[3] : "200,650,1500";
    string layers = args.Length > 4 ? args[4] : "1,2";
    double budget = args.Length > 5 ? double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 0.5;
    Throughput.Run(cells.Split(','), Throughput.Ints(batches), Throughput.Ints(hiddens), Throughput.Ints(layers), budget, Console.Out);
    return 0;
}
if (args.Length > 0 && args[0] == "gemm")
{
    string batches = args.Length > 1 ? args[1] : "20,64";
    string hiddens = args.Length > 2 ? args[2] : "200,650,1500";
    double budget = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0.5;
    GemmThroughput.Run(Throughput.Ints(batches), Throughput.Ints(hiddens), CellBenchmarks.Steps, budget, Console.Out);
    return 0;
}
if (args.Length > 0 && args[0] == "cpu")
{
    var line = new Dictionary<string, object> { ["peer"] = "celldsl_cpu" };
    foreach (var (key, value) in CellDsl.Kernels.GemmKernel.Current.Describe(CellDsl.Kernels.CpuFacts.Current)) line[key] = value;
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(line));
    return 0;
}
if (args.Length > 0 && args[0] == "train-step")
{
    string shapes = args.Length > 1 ? args[1] : "small,medium";
    double budget = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2;
    TrainingStep.Run(shapes.Split(','), budget, Console.Out);
    return 0;
}
if (args.Length > 0 && args[0] == "train-step-parts")
{
    string shapes = args.Length > 1 ? args[1] : "small,medium";
    double budget = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2;
    TrainingStepParts.Run(shapes.Split(','), budget, Console.Out);
    return 0;
}
if (args.Length > 0 && args[0] == "decoder-gemms")
{
    string shapes = args.Length > 1 ? args[1] : "small,medium";
    string name = args.Length > 2 ? args[2] : DecoderGemms.Names.First();
    int rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 7;
    return DecoderGemms.Run(shapes.Split(','), name, rounds, Console.Out);
}
if (args.Length > 0 && args[0] == "trace")
{
    return WorkerTimeline.Run(args.Length > 1 ? args[1] : "lstm", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 64,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 650,
        args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 5, Console.Out);
}
BenchmarkSwitcher.FromAssembly(typeof(CellBenchmarks).Assembly).Run(args);
return 0;
