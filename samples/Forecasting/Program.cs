// Forecasts the next value of a noisy sum of sines from the 32 before it with a GRU and a linear head, and
// compares the held-out mean squared error with the naive forecast (the last value seen).
//   dotnet run -c Release --project samples/Forecasting -- [STEPS] [SEED]
using Forecasting;

int steps = args.Length > 0 ? int.Parse(args[0]) : 800;
int seed = args.Length > 1 ? int.Parse(args[1]) : 1;
var r = SineForecast.Train(steps, seed, Console.WriteLine);
Console.WriteLine($"held-out MSE {r.ModelMse:F4} vs last-value {r.NaiveMse:F4} (noise floor {r.NoiseMse:F4}) after {r.Steps} steps ({r.Seconds:F1} s)");
