// Does a sequence over {a, b, c, d} contain "abc"? A bidirectional LSTM reads padded batches of 6 to 16 symbols
// and classifies each from its two directions' final states.
//   dotnet run -c Release --project samples/SequenceClassification -- [STEPS] [SEED]
using SequenceClassification;

int steps = args.Length > 0 ? int.Parse(args[0]) : 600;
int seed = args.Length > 1 ? int.Parse(args[1]) : 1;
var result = PatternTask.Train(steps, seed, Console.WriteLine);
Console.WriteLine($"held-out accuracy {result.Accuracy:P1} after {result.Steps} steps ({result.Seconds:F1} s)");
