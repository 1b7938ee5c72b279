// Trains a character-level LSTM language model on a UTF-8 text and samples from it.
//   dotnet run -c Release --project samples/CharRnn -- [TEXT_FILE | shakespeare] [WINDOWS] [HIDDEN] [LEARNING_RATE]
// Without a file it reads the Gettysburg Address next to the program; "shakespeare" reads
// $CELLDSL_DATA/tinyshakespeare/input.txt, a longer text worth the default budget.
using System.Globalization;
using CharRnn;

string path = args.Length == 0 ? Path.Combine(AppContext.BaseDirectory, "gettysburg.txt")
    : args[0] != "shakespeare" ? args[0]
    : Environment.GetEnvironmentVariable("CELLDSL_DATA") is { Length: > 0 } data ? Path.Combine(data, "tinyshakespeare", "input.txt")
    : throw new ArgumentException("\"shakespeare\" reads $CELLDSL_DATA/tinyshakespeare/input.txt: set CELLDSL_DATA to the folder holding tinyshakespeare/, or give the text file's path.");
int windows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
int hidden = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 128;
float rate = args.Length > 3 ? float.Parse(args[3], CultureInfo.InvariantCulture) : 2e-3f;
var run = CharModel.Train(path, windows, hidden, rate, Console.WriteLine);
Console.WriteLine($"train {run.TrainBitsPerCharacter:F3} bits/char, valid {run.ValidBitsPerCharacter:F3} ({run.Seconds:F0} s)");
Console.WriteLine("---");
Console.WriteLine(run.Sample(prompt: run.FirstCharacters(1), length: 400, temperature: 0.7f, seed: 1));
