// Trains a character-level LSTM language model on a UTF-8 text and samples from it.
//   dotnet run -c Release --project samples/CharRnn -- [TEXT_FILE] [WINDOWS] [HIDDEN] [LEARNING_RATE]
// Without a file it reads the Gettysburg Address next to the program; with CELLDSL_DATA set, the file
// "$CELLDSL_DATA/tinyshakespeare/input.txt" is a good longer text (give it as TEXT_FILE).
using CharRnn;

string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "gettysburg.txt");
int windows = args.Length > 1 ? int.Parse(args[1]) : 2000;
int hidden = args.Length > 2 ? int.Parse(args[2]) : 128;
float rate = args.Length > 3 ? float.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2e-3f;
var run = CharModel.Train(path, windows, hidden, rate, Console.WriteLine);
Console.WriteLine($"train {run.TrainBitsPerCharacter:F3} bits/char, valid {run.ValidBitsPerCharacter:F3} ({run.Seconds:F0} s)");
Console.WriteLine("---");
Console.WriteLine(run.Sample(prompt: run.FirstCharacters(1), length: 400, temperature: 0.7f, seed: 1));
