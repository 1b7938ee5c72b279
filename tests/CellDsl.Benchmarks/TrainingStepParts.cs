using System.Diagnostics;
using CellDsl.Kernels;
using CellDsl.Training.Layers;
using CellDsl.Training.Models;
using CellDsl.Training.Optimizers;

namespace CellDsl.Benchmarks;

/// <summary>Where a whole training step's time goes: the trainer's step (<see cref="TrainingStep"/>'s shapes) taken
/// apart into its calls, each timed with a stopwatch, the decoder's products and row passes called one by one as
/// <see cref="SoftmaxDecoder"/> calls them. Prints one JSON line per shape: ms per step of each part, and the total.</summary>
public static unsafe class TrainingStepParts
{
    private static readonly string[] Names =
    [
        "embedding_forward", "cells_forward", "decoder_logits_gemm", "softmax_ce_forward", "softmax_ce_backward_db",
        "decoder_dW_gemm", "decoder_dh_gemm", "cells_backward", "embedding_backward", "clip_norm", "sgd_update_clip_clear",
    ];

    public static void Run(IEnumerable<string> shapes, double budget, TextWriter output)
    {
        foreach (string shape in shapes)
        {
            var trainer = TrainingStep.Create(shape);
            trainer.Train(3);
            var ms = new double[Names.Length];
            int steps = 0;
            var clock = Stopwatch.StartNew();
            do { Step(trainer, steps % trainer.Batches.Windows, ms); steps++; } while (clock.Elapsed.TotalSeconds < budget);
            double total = ms.Sum();
            var line = new List<string> { "\"kind\":\"train-step-parts\"", $"\"shape\":\"{shape}\"", $"\"threads\":{Sgemm.Threads}", $"\"steps\":{steps}" };
            for (int i = 0; i < Names.Length; i++) line.Add(FormattableString.Invariant($"\"{Names[i]}\":{ms[i] / steps:F3}"));
            line.Add(FormattableString.Invariant($"\"total\":{total / steps:F3}"));
            output.WriteLine("{" + string.Join(",", line) + "}");
        }
    }

    /// <summary>One step of <see cref="Training.Bptt.Trainer.TrainWindow"/> on <paramref name="window"/>, part by part.</summary>
    private static void Step(Training.Bptt.Trainer trainer, int window, double[] ms)
    {
        var model = trainer.Model;
        var ws = trainer.Workspace;
        var decoder = model.Decoder;
        var parameters = model.Parameters;
        int rows = ws.Steps * ws.Batch, H = decoder.InputSize, V = decoder.VocabularySize;
        trainer.Batches.Fill(window, ws.Inputs, ws.Targets, ws.Weights);
        int part = 0;
        long t = Stopwatch.GetTimestamp();
        void Lap()
        {
            long now = Stopwatch.GetTimestamp();
            ms[part++] += (now - t) * 1000.0 / Stopwatch.Frequency;
            t = now;
        }

        // The gradients are zero: the last step's update cleared them (and the first step's are new).
        model.Embedding.Forward(ws.Inputs, ws.Embedded);
        ws.InputDropout.Forward(ws.Embedded, ws.Embedded, trainer.Random); Lap();
        ws.Stack.Forward(ws.Embedded, trainer.Random);
        ws.OutputDropout.Forward(ws.Stack.Output, ws.Top, trainer.Random); Lap();
        var dW = decoder.Gradients;   // untied: [dW (V×H) | db (V)]
        fixed (float* h = ws.Top, z = ws.Logits, w = decoder.Weight, g = dW, dh = ws.DTop)
        {
            Sgemm.Multiply(false, true, rows, V, H, h, H, w, H, z, V, accumulate: false); Lap();
            SoftmaxCrossEntropy.Forward(ws.Logits, rows, V, decoder.Bias, ws.Targets, ws.Nll, ws.Correct); Lap();
            SoftmaxCrossEntropy.Backward(ws.Logits, rows, V, ws.Targets, ws.Weights, 1f / ws.Batch, dW.Slice(V * H, V)); Lap();
            Sgemm.Multiply(true, false, V, H, rows, z, V, h, H, g, H, accumulate: true); Lap();
            Sgemm.Multiply(false, false, rows, H, V, z, V, w, H, dh, H, accumulate: false); Lap();
        }
        ws.OutputDropout.Backward(ws.DTop, ws.DTop);
        ws.Stack.Backward(ws.DTop, ws.DEmbedded);
        ws.InputDropout.Backward(ws.DEmbedded, ws.DEmbedded); Lap();
        model.Embedding.Backward(ws.Inputs, ws.DEmbedded); Lap();
        double norm = parameters.GradientNorm(); Lap();
        trainer.Optimizer.StepAndClear(trainer.Schedule.Rate(trainer.Epoch), GradientClipping.Scale(norm, trainer.Options.ClipNorm)); Lap();
    }
}
