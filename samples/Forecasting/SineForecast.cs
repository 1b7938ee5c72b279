using System.Diagnostics;
using CellDsl;
using CellDsl.Training.Layers;
using CellDsl.Training.Optimizers;
using CellDsl.Zoo;

namespace Forecasting
{
    /// <summary>
    /// s(t) = sin(0.11·t) + 0.5·sin(0.37·t + 1) + 0.3·sin(0.05·t), observed with uniform noise in [−0.2, 0.2] (variance
    /// 0.0133, the best any forecast of the noisy next value can do). A window of 32 observations goes through a GRU;
    /// its last state through a linear head gives the next observation; the loss is the mean squared error.
    /// </summary>
    public static class SineForecast
    {
        public const int Window = 32, Hidden = 24, Batch = 32;
        public const float Noise = 0.2f;

        public sealed record Result(double ModelMse, double NaiveMse, double NoiseMse, int Steps, double Seconds);

        public static double Signal(double t) => Math.Sin(0.11 * t) + 0.5 * Math.Sin(0.37 * t + 1) + 0.3 * Math.Sin(0.05 * t);

        /// <summary>Fills x [T, B, 1] with windows starting at random times and targets [B] with each window's next observation.</summary>
        public static void NextBatch(CellRandom rng, float[] x, float[] targets)
        {
            for (int b = 0; b < Batch; b++)
            {
                double start = rng.NextDouble() * 10000;
                for (int t = 0; t <= Window; t++)
                {
                    float v = (float)(Signal(start + t) + Noise * (2 * rng.NextDouble() - 1));
                    if (t < Window) x[t * Batch + b] = v;
                    else targets[b] = v;
                }
            }
        }

        public static Result Train(int steps, int seed, Action<string>? log = null)
        {
            const int T = Window, B = Batch;
            var encoder = new RecurrentLayer(CellZoo.Get("gru").Create(1, Hidden, seed), T, B);
            var pooling = new SequencePooling(Pooling.Last, T, B, Hidden);
            var head = new RegressionHead(Hidden, 1);
            var rng = new CellRandom(seed);
            rng.FillUniform(head.Parameters, -0.1f, 0.1f);
            var parameters = new ParameterSet(new (string, IParameterized)[] { ("gru", encoder.Cell), ("head", head) });
            var adam = new Adam(parameters);

            float[] x = new float[T * B], targets = new float[B], predictions = new float[B], dh = new float[B * Hidden];
            var weights = Enumerable.Repeat(1f, B).ToArray();
            float rate = 0.01f;
            double Run(bool train)
            {
                encoder.Forward(x);
                pooling.Forward(encoder);
                double loss = head.Forward(pooling.Pooled, B, predictions, targets, weights) / B;
                if (!train) return loss;
                parameters.ZeroGradients();
                head.Backward(pooling.Pooled, B, predictions, targets, weights, 1f / B, dh);
                pooling.Backward(encoder, dh);
                encoder.Backward(default, pooling.DFinal, default);
                GradientClipping.ClipGlobalNorm(parameters, 1);
                adam.Step(rate);
                return loss;
            }

            var clock = Stopwatch.StartNew();
            double recent = 0;
            for (int step = 1; step <= steps; step++)
            {
                rate = 0.01f * (1 - 0.9f * (step - 1) / steps);   // falls linearly to a tenth
                NextBatch(rng, x, targets);
                recent = step == 1 ? Run(true) : 0.95 * recent + 0.05 * Run(train: true);
                if (step % 100 == 0) log?.Invoke($"step {step}: training MSE {recent:F4}");
            }
            var held = new CellRandom(seed + 1000);
            double model = 0, naive = 0;
            const int batches = 32;
            for (int k = 0; k < batches; k++)
            {
                NextBatch(held, x, targets);
                model += Run(train: false) / batches;
                for (int b = 0; b < B; b++) naive += Math.Pow(x[(T - 1) * B + b] - targets[b], 2) / (B * batches);
            }
            return new Result(model, naive, Noise * Noise / 3, steps, clock.Elapsed.TotalSeconds);
        }
    }
}
