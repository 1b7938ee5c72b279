// Dates written six ways ("3 March 2021", "the 3rd of March 2021", "03.03.2021", ...) translated character by
// character into "2021-03-03" by an LSTM encoder-decoder, trained without and with Luong attention; exact-match
// accuracy on 500 held-out dates with greedy and beam (width 5) decoding.
//   dotnet run -c Release --project samples/Translation -- [STEPS] [SEED]
using Translation;

int steps = args.Length > 0 ? int.Parse(args[0]) : 800;
int seed = args.Length > 1 ? int.Parse(args[1]) : 1;
foreach (bool attention in new[] { false, true })
{
    var r = Translator.Train(attention, steps, seed, log: Console.WriteLine);
    Console.WriteLine($"{(attention ? "with attention" : "without attention")}: loss {r.Loss:F3}, held-out exact match greedy {r.GreedyAccuracy:P1}, beam {r.BeamAccuracy:P1} ({r.Seconds:F0} s)");
    foreach (var line in Translator.Examples(r.Model)) Console.WriteLine("  " + line);
    foreach (var line in r.Mistakes) Console.WriteLine("  wrong: " + line);
}
