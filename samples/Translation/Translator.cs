using System.Diagnostics;
using CellDsl;
using CellDsl.Training.Layers;
using CellDsl.Training.Optimizers;
using CellDsl.Training.Seq2Seq;
using CellDsl.Zoo;

namespace Translation
{
    /// <summary>
    /// Source embedding (16) → LSTM encoder (64) whose h and c start an LSTM decoder (64) over the target embedding,
    /// optionally with Luong's general attention, → softmax over the 13 target symbols; Adam on fresh batches of 32
    /// dates, teacher-forced, then exact-match accuracy on held-out dates with greedy and beam decoding.
    /// </summary>
    public static class Translator
    {
        public const int Embedding = 16, Hidden = 64, Batch = 32, HeldOutCount = 500, BeamWidth = 5;

        public sealed record Result(EncoderDecoder Model, int Steps, double Loss, double GreedyAccuracy, double BeamAccuracy, double Seconds)
        {
            /// <summary>Up to five held-out dates beam search got wrong, as "source → output".</summary>
            public List<string> Mistakes { get; } = new();
        }

        public static EncoderDecoder Model(bool attention, int seed)
        {
            var model = new EncoderDecoder(DateTask.SourceAlphabet.Length, DateTask.TargetAlphabet.Length, Embedding,
                new[] { CellZoo.Get("lstm").Create(Embedding, Hidden, seed) }, new[] { CellZoo.Get("lstm").Create(Embedding, Hidden, seed + 1) },
                attention ? AttentionScore.General : null, DateTask.Start, DateTask.End);
            model.Initialize(seed, 0.1f);
            return model;
        }

        /// <summary>Trains for <paramref name="steps"/> batches; <see cref="Result.Loss"/> is the mean NLL per target
        /// token over the last 50 of them, the accuracies over <see cref="HeldOutCount"/> held-out dates (zero when
        /// <paramref name="evaluate"/> is off).</summary>
        public static Result Train(bool attention, int steps, int seed, bool evaluate = true, Action<string>? log = null)
        {
            int Ts = DateTask.MaxSourceLength, Tt = DateTask.TargetLength, B = Batch;
            var model = Model(attention, seed);
            var ws = model.CreateWorkspace(Ts, Tt, B);
            var adam = new Adam(model.Parameters);
            var heldOut = DateTask.HeldOut(HeldOutCount, seed + 1000);
            var excluded = heldOut.Select(h => h.Date.DayNumber).ToHashSet();
            var rng = new CellRandom(seed);
            int[] source = new int[Ts * B], target = new int[Tt * B], sourceLengths = new int[B], targetLengths = new int[B];

            var clock = Stopwatch.StartNew();
            double recent = 0;
            int counted = 0;
            for (int step = 1; step <= steps; step++)
            {
                for (int b = 0; b < B; b++)
                {
                    DateOnly date;
                    do date = DateTask.Day((int)(rng.NextUInt64() % (ulong)DateTask.Days));
                    while (excluded.Contains(date.DayNumber));
                    var src = DateTask.SourceTokens(DateTask.Source(date, (int)(rng.NextUInt64() % (ulong)DateTask.FormatCount)));
                    var tgt = DateTask.TargetTokens(DateTask.Target(date));
                    sourceLengths[b] = src.Length;
                    targetLengths[b] = tgt.Length;
                    for (int t = 0; t < src.Length; t++) source[t * B + b] = src[t];
                    for (int t = 0; t < tgt.Length; t++) target[t * B + b] = tgt[t];
                }
                model.Parameters.ZeroGradients();
                double loss = model.Forward(ws, source, sourceLengths, target, targetLengths);
                model.Backward(ws);
                GradientClipping.ClipGlobalNorm(model.Parameters, 5);
                adam.Step(step <= steps * 3 / 4 ? 0.005f : 0.001f);
                if (step > steps - 50) { recent += loss; counted++; }
                if (step % 100 == 0) log?.Invoke($"{(attention ? "attention" : "plain")} step {step}: loss {loss:F3} per target token ({clock.Elapsed.TotalSeconds:F0} s)");
            }
            double greedy = 0, beam = 0;
            var mistakes = new List<string>();
            if (evaluate)
            {
                var decoder = new SequenceDecoder(model, Ts, Tt, BeamWidth);
                var output = new int[Tt];
                foreach (var (date, format) in heldOut)
                {
                    var src = DateTask.SourceTokens(DateTask.Source(date, format));
                    string expected = DateTask.Target(date);
                    var g = decoder.Greedy(src, output);
                    greedy += g.Ended && DateTask.TargetText(output.AsSpan(0, g.Length)) == expected ? 1 : 0;
                    var k = decoder.Beam(src, output);
                    string got = DateTask.TargetText(output.AsSpan(0, k.Length));
                    if (k.Ended && got == expected) beam++;
                    else if (mistakes.Count < 5) mistakes.Add($"{DateTask.Source(date, format)} → {got}{(k.Ended ? "" : " (no end)")}");
                }
                greedy /= heldOut.Length;
                beam /= heldOut.Length;
            }
            var result = new Result(model, steps, recent / counted, greedy, beam, clock.Elapsed.TotalSeconds);
            result.Mistakes.AddRange(mistakes);
            return result;
        }

        /// <summary>One held-out example per format, decoded by beam search, for the program's output.</summary>
        public static IEnumerable<string> Examples(EncoderDecoder model)
        {
            var decoder = new SequenceDecoder(model, DateTask.MaxSourceLength, DateTask.TargetLength, BeamWidth);
            var output = new int[DateTask.TargetLength];
            var date = new DateOnly(2021, 3, 3);
            for (int f = 0; f < DateTask.FormatCount; f++)
            {
                var text = DateTask.Source(date, f);
                var d = decoder.Beam(DateTask.SourceTokens(text), output);
                yield return $"{text,-30} → {DateTask.TargetText(output.AsSpan(0, d.Length))}";
            }
        }
    }
}
