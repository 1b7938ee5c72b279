using System.Diagnostics;
using CellDsl;
using CellDsl.Training.Layers;
using CellDsl.Training.Optimizers;
using CellDsl.Zoo;

namespace SequenceClassification
{
    /// <summary>
    /// The task and its training: sequences of 6..16 symbols over {a, b, c, d}, half of them with "abc" planted at
    /// a random place; the label says whether "abc" occurs anywhere. Embedding → bidirectional LSTM → the two
    /// directions' final states → softmax over {absent, present}, trained with Adam on fresh batches.
    /// </summary>
    public static class PatternTask
    {
        public const int Alphabet = 4, MinLength = 6, MaxLength = 16, Embedding = 8, Hidden = 16, Batch = 32;
        private static readonly int[] Pattern = { 0, 1, 2 };

        public sealed record Result(double Accuracy, double FinalLoss, int Steps, double Seconds);

        /// <summary>Fills tokens [T, B] (right-padded with 0), each row's length and its label (1: contains "abc").</summary>
        public static void NextBatch(CellRandom rng, int[] tokens, int[] lengths, int[] labels)
        {
            Array.Clear(tokens);
            for (int b = 0; b < Batch; b++)
            {
                int n = lengths[b] = MinLength + (int)(rng.NextUInt64() % (MaxLength - MinLength + 1));
                var row = new int[n];
                for (int t = 0; t < n; t++) row[t] = (int)(rng.NextUInt64() % Alphabet);
                if (rng.NextDouble() < 0.5) Pattern.CopyTo(row, (int)(rng.NextUInt64() % (ulong)(n - Pattern.Length + 1)));
                labels[b] = row.AsSpan().IndexOf(Pattern) >= 0 ? 1 : 0;
                for (int t = 0; t < n; t++) tokens[t * Batch + b] = row[t];
            }
        }

        /// <summary>Trains for <paramref name="steps"/> batches and returns the accuracy on 1024 held-out sequences.</summary>
        public static Result Train(int steps, int seed, Action<string>? log = null)
        {
            const int T = MaxLength, B = Batch, O = 2 * Hidden;
            var embedding = new Embedding(Alphabet, Embedding);
            var encoder = new BidirectionalLayer(CellZoo.Get("lstm").Create(Embedding, Hidden, seed), CellZoo.Get("lstm").Create(Embedding, Hidden, seed + 1), T, B);
            var pooling = new SequencePooling(Pooling.Last, T, B, O);
            var decoder = new SoftmaxDecoder(O, 2);
            var rng = new CellRandom(seed);
            rng.FillUniform(embedding.Parameters, -0.5f, 0.5f);
            rng.FillUniform(decoder.Parameters, -0.1f, 0.1f);
            var parameters = new ParameterSet(new (string, IParameterized)[]
                { ("embedding", embedding), ("forward", encoder.ForwardCell), ("backward", encoder.BackwardCell), ("decoder", decoder) });
            var adam = new Adam(parameters);

            int[] tokens = new int[T * B], lengths = new int[B], labels = new int[B];
            float[] x = new float[T * B * Embedding], dx = new float[x.Length], probabilities = new float[B * 2], nll = new float[B], dh = new float[B * O];
            var weights = Enumerable.Repeat(1f, B).ToArray();
            var correct = new bool[B];
            double Run(bool train)
            {
                embedding.Forward(tokens, x);
                encoder.Forward(x, lengths);
                pooling.Forward(encoder);
                double loss = decoder.Forward(pooling.Pooled, B, probabilities, labels, weights, nll, correct) / B;
                if (!train) return loss;
                parameters.ZeroGradients();
                decoder.Backward(pooling.Pooled, B, probabilities, labels, weights, 1f / B, dh);
                pooling.Backward(encoder, dh);
                encoder.Backward(default, pooling.DFinal, dx);
                embedding.Backward(tokens, dx);
                GradientClipping.ClipGlobalNorm(parameters, 5);
                adam.Step(0.01f);
                return loss;
            }

            var clock = Stopwatch.StartNew();
            double recent = 0;
            for (int step = 1; step <= steps; step++)
            {
                NextBatch(rng, tokens, lengths, labels);
                recent = 0.9 * recent + 0.1 * Run(train: true);
                if (step % 100 == 0) log?.Invoke($"step {step}: loss {recent:F3}");
            }
            var held = new CellRandom(seed + 1000);
            int right = 0, total = 0;
            for (int k = 0; k < 1024 / B; k++)
            {
                NextBatch(held, tokens, lengths, labels);
                Run(train: false);
                foreach (bool c in correct) { right += c ? 1 : 0; total++; }
            }
            return new Result((double)right / total, recent, steps, clock.Elapsed.TotalSeconds);
        }
    }
}
