using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.RuntimeCompilation;
using CellDsl.Training.Layers;
using CellDsl.Training.Seq2Seq;
using CellDsl.Zoo;
using Xunit;
using static CellDsl.CellOps;
using static CellDsl.Tests.Training.SequenceLayerTests;

namespace CellDsl.Tests.Training;

/// <summary>
/// The encoder-decoder, its attention layer and its decoding: gradients against central differences of the
/// float64 reference (<see cref="ReferenceEncoderDecoder"/>), a padded batch against its rows run one by one, and
/// beam search against greedy decoding and against exhaustive enumeration.
/// </summary>
public class EncoderDecoderTests
{
    private const int E = 3, H = 4, Vs = 5, Vt = 4, Start = 0, End = 1;

    /// <summary>Layers as "lstm,gru" (bottom first), each with its own seeded cell.</summary>
    internal static EncoderDecoder Build(string encoder, string decoder, AttentionScore? attention, int seed, float scale = 0.6f)
    {
        IRecurrentCell[] Cells(string spec, int offset) =>
            spec.Split(',').Select((name, l) => CellZoo.Get(name).Create(l == 0 ? E : H, H, seed + offset + l)).ToArray();
        var model = new EncoderDecoder(Vs, Vt, E, Cells(encoder, 0), Cells(decoder, 10), attention, Start, End);
        model.Initialize(seed, scale);
        return model;
    }

    private static float[] Gradients(EncoderDecoder model)
    {
        var g = new float[model.Parameters.Count];
        model.Parameters.CopyGradientsTo(g);
        return g;
    }

    // A batch of three pairs, time-major; padding holds ids outside both vocabularies, which must never be read.
    private const int Ts = 4, Tt = 4, B = 3, Pad = 999;
    private static readonly int[] SourceLengths = { 4, 1, 3 }, TargetLengths = { 3, 4, 1 };
    private static readonly int[][] SourceRows = { new[] { 1, 4, 0, 2 }, new[] { 3 }, new[] { 2, 2, 4 } };
    private static readonly int[][] TargetRows = { new[] { 2, 3, End }, new[] { 3, 0, 2, End }, new[] { End } };

    private static int[] TimeMajor(int[][] rows, int steps)
    {
        var a = new int[steps * rows.Length];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < rows.Length; b++) a[t * rows.Length + b] = t < rows[b].Length ? rows[b][t] : Pad;
        return a;
    }

    [Theory]
    [InlineData(AttentionScore.General)]
    [InlineData(AttentionScore.Dot)]
    public void Attention_gradients_match_finite_differences_and_padded_source_steps_get_none(AttentionScore score)
    {
        int ts = 4, tt = 3, b = 3;
        var lengths = new[] { 4, 1, 3 };
        var attention = new LuongAttention(H, score);
        new CellRandom(1).FillUniform(attention.Parameters, -0.7f, 0.7f);
        var ws = attention.CreateWorkspace(ts, tt, b);
        var source = Random(ts * b * H, 2);
        var target = Random(tt * b * H, 3);
        var r = Random(tt * b * H, 4);   // L = Σ r ⊙ h̃
        for (int t = 0; t < ts; t++)
            for (int row = 0; row < b; row++)
                if (t >= lengths[row]) source.AsSpan((t * b + row) * H, H).Fill(float.NaN);
        var dSource = Random(source.Length, 5);   // every element must be written
        var dTarget = Random(target.Length, 6);
        attention.ZeroGradients();
        attention.SetSource(ws, source, lengths);
        attention.Forward(ws, source, target);
        attention.Backward(ws, source, target, r, dSource, dTarget);

        for (int t = 0; t < tt; t++)
            for (int row = 0; row < b; row++)
                for (int s = lengths[row]; s < ts; s++) Assert.Equal(0f, ws.Weights[(t * b + row) * ts + s]);
        var theta = D(attention.Parameters);
        var src = D(source);
        var tgt = D(target);
        double Loss()
        {
            var h = HTilde();
            double l = 0;
            for (int i = 0; i < h.Length; i++) l += h[i] * r[i];
            return l;
        }
        AssertClose("h̃", ws.Output, HTilde(), 1e-5);
        double[] HTilde()
        {
            var all = new double[tt * b * H];
            for (int row = 0; row < b; row++)
            {
                int n = lengths[row];
                double[] Rows(double[] x, int steps) => Enumerable.Range(0, steps).SelectMany(t => x.AsSpan((t * b + row) * H, H).ToArray()).ToArray();
                var wa = score == AttentionScore.General ? theta.AsSpan(2 * H * H).ToArray() : null;
                var h = ReferenceEncoderDecoder.Attend(theta.AsSpan(0, 2 * H * H).ToArray(), wa, Rows(src, n), n, Rows(tgt, tt), tt, H);
                for (int t = 0; t < tt; t++) Array.Copy(h, t * H, all, (t * b + row) * H, H);
            }
            return all;
        }
        AssertClose("dW", attention.Gradients, GradientCheckTests.CentralDifferences(theta, Loss), 1e-3);
        AssertClose("dTarget", dTarget, GradientCheckTests.CentralDifferences(tgt, Loss), 1e-3);
        var expected = new double[src.Length];
        for (int i = 0; i < src.Length; i++)
        {
            if (double.IsNaN(src[i])) continue;   // padding: must get exactly zero
            double keep = src[i];
            src[i] = keep + 1e-6; double up = Loss();
            src[i] = keep - 1e-6; double down = Loss();
            src[i] = keep;
            expected[i] = (up - down) / 2e-6;
        }
        for (int i = 0; i < src.Length; i++)
            if (double.IsNaN(src[i])) Assert.Equal(0f, dSource[i]);
        AssertClose("dSource", dSource, expected, 1e-3);
    }

    public static TheoryData<string, string, AttentionScore?> Models => new()
    {
        { "lstm", "cifg", AttentionScore.General },
        { "gru,lstm", "tanh,lstm-b", AttentionScore.Dot },
        { "lstm,gru", "lstm,gru", null },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Encoder_decoder_gradients_match_finite_differences_of_the_float64_reference(string encoder, string decoder, AttentionScore? attention)
        => CheckGradients(Build(encoder, decoder, attention, seed: 3));

    [Fact]
    public void A_declared_encoder_and_a_decoder_compiled_at_run_time_train_with_checked_gradients()
    {
        var declared = new TwoStateGate(E, H, seed: 1);
        using var compiled = CellCompiler.Compile([new CellSource(GraphText.Read(declared.Definition), EmitTarget.Of("Seq2SeqCells", "Compiled"))]);
        var model = new EncoderDecoder(Vs, Vt, E, new[] { declared }, new[] { compiled.Create("Seq2SeqCells.Compiled", E, H, 2) }, AttentionScore.General, Start, End);
        model.Initialize(4, 0.6f);
        CheckGradients(model);
    }

    private static void CheckGradients(EncoderDecoder model)
    {
        var ws = model.CreateWorkspace(Ts, Tt, B);
        int[] source = TimeMajor(SourceRows, Ts), target = TimeMajor(TargetRows, Tt);
        model.Parameters.ZeroGradients();
        double loss = model.Forward(ws, source, SourceLengths, target, TargetLengths);
        model.Backward(ws);

        var reference = new ReferenceEncoderDecoder(model);
        var theta = ReferenceEncoderDecoder.Theta(model);
        double Loss() => reference.Loss(theta, source, SourceLengths, target, TargetLengths);
        double expected = Loss();
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * expected, $"loss {loss} vs the reference's {expected}");
        var fd = GradientCheckTests.CentralDifferences(theta, Loss);
        var actual = Gradients(model);
        foreach (var g in model.Parameters.Groups)
            AssertClose(g.Name, actual.AsSpan((int)g.Offset, g.Length), fd.AsSpan((int)g.Offset, g.Length), 1e-3);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_padded_batch_gives_the_loss_and_gradients_of_its_rows_run_one_by_one(string encoder, string decoder, AttentionScore? attention)
    {
        var model = Build(encoder, decoder, attention, seed: 5);
        var ws = model.CreateWorkspace(Ts, Tt, B);
        int tokens = TargetLengths.Sum();
        model.Parameters.ZeroGradients();
        double loss = model.Forward(ws, TimeMajor(SourceRows, Ts), SourceLengths, TimeMajor(TargetRows, Tt), TargetLengths);
        model.Backward(ws);
        var batched = Gradients(model);

        model.Parameters.ZeroGradients();
        double sum = 0;
        for (int b = 0; b < B; b++)
        {
            var alone = model.CreateWorkspace(SourceRows[b].Length, TargetRows[b].Length, 1);
            sum += model.Forward(alone, SourceRows[b], default, TargetRows[b], default) * TargetRows[b].Length;
            model.Backward(alone, 1f / tokens);   // the batch's scale, so the rows' gradients add up to the batch's
        }
        Assert.True(Math.Abs(loss - sum / tokens) <= 1e-6 * loss, $"batch loss {loss} vs rows alone {sum / tokens}");
        AssertClose("gradients", batched, D(Gradients(model)), 1e-5);
    }

    [Fact]
    public void A_decoder_whose_states_do_not_match_the_encoders_is_refused_naming_both()
    {
        var ex = Assert.Throws<ArgumentException>(() => new EncoderDecoder(Vs, Vt, E,
            new[] { CellZoo.Get("lstm").Create(E, H, 1) }, new[] { CellZoo.Get("gru").Create(E, H, 2) }, null, Start, End));
        Assert.Contains("Lstm", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Gru", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("layer 0", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new EncoderDecoder(Vs, Vt, E,
            new[] { CellZoo.Get("gru").Create(E, H, 1) }, new[] { CellZoo.Get("gru").Create(E, H + 1, 2) }, null, Start, End));
        Assert.Contains("hidden size", ex.Message);
        Assert.Throws<ArgumentException>(() => new EncoderDecoder(Vs, Vt, E,
            new[] { CellZoo.Get("gru").Create(E, H, 1), CellZoo.Get("gru").Create(H, H, 1) }, new[] { CellZoo.Get("gru").Create(E, H, 2) }, null, Start, End));
    }

    [Fact]
    public void A_token_outside_the_vocabulary_is_an_error_naming_its_position()
    {
        var model = Build("gru", "gru", AttentionScore.General, seed: 1);
        var ws = model.CreateWorkspace(Ts, Tt, B);
        var source = TimeMajor(SourceRows, Ts);
        source[1 * B + 2] = Vs;   // row 2, step 1: inside its length 3
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(ws, source, SourceLengths, TimeMajor(TargetRows, Tt), TargetLengths));
        Assert.Contains("source[t=1, b=2]", ex.Message);
        var decoder = new SequenceDecoder(model, maxSourceLength: 4, maxLength: 5);
        Assert.Throws<ArgumentException>(() => decoder.Greedy(new[] { 1, 2, 3, 4, 0 }, new int[5]));
        Assert.Throws<ArgumentException>(() => decoder.Greedy(new[] { 1 }, new int[4]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(AttentionScore.General)]
    public void Beam_search_of_width_one_is_greedy_decoding(AttentionScore? attention)
    {
        var model = Build("lstm,gru", "lstm,gru", attention, seed: 7, scale: 1f);
        var decoder = new SequenceDecoder(model, maxSourceLength: 6, maxLength: 8, beamWidth: 1, lengthPenalty: 0.6);
        var rng = new CellRandom(8);
        int[] greedy = new int[8], beam = new int[8];
        for (int k = 0; k < 20; k++)
        {
            var source = Enumerable.Range(0, 1 + (int)(rng.NextUInt64() % 6)).Select(_ => (int)(rng.NextUInt64() % Vs)).ToArray();
            var g = decoder.Greedy(source, greedy);
            var b = decoder.Beam(source, beam);
            Assert.Equal(g, b);
            Assert.Equal(greedy.AsSpan(0, g.Length).ToArray(), beam.AsSpan(0, b.Length).ToArray());
        }
    }

    [Theory]
    [InlineData(null, 0.0)]
    [InlineData(AttentionScore.General, 0.6)]
    [InlineData(AttentionScore.Dot, 1.0)]
    public void A_wide_beam_finds_the_best_sequence_of_an_exhaustive_enumeration(AttentionScore? attention, double alpha)
    {
        const int L = 4;
        var model = Build("lstm", "lstm", attention, seed: 11, scale: 1f);
        var decoder = new SequenceDecoder(model, maxSourceLength: 3, maxLength: L, beamWidth: 128, lengthPenalty: alpha);
        var reference = new ReferenceEncoderDecoder(model);
        var theta = ReferenceEncoderDecoder.Theta(model);
        // Every output the search can give: j ≤ L−1 tokens other than End then End, or L such tokens.
        var others = Enumerable.Range(0, Vt).Where(v => v != End).ToArray();
        var prefixes = new List<int[]> { Array.Empty<int>() };
        var candidates = new List<int[]>();
        for (int j = 0; j <= L; j++)
        {
            candidates.AddRange(j < L ? prefixes.Select(p => p.Append(End).ToArray()) : prefixes);
            prefixes = prefixes.SelectMany(p => others.Select(v => p.Append(v).ToArray())).ToList();
        }
        var output = new int[L];
        var rng = new CellRandom(12);
        for (int k = 0; k < 6; k++)
        {
            var source = Enumerable.Range(0, 1 + (int)(rng.NextUInt64() % 3)).Select(_ => (int)(rng.NextUInt64() % Vs)).ToArray();
            double Score(int[] y) => decoder.Score(-reference.Nll(theta, source, y), y.Length);
            var best = candidates.MaxBy(Score)!;
            var found = decoder.Beam(source, output);
            var tokens = output.AsSpan(0, found.Length).ToArray();
            var sequence = found.Ended ? tokens.Append(End).ToArray() : tokens;
            Assert.True(Score(sequence) >= Score(best) - 1e-5,
                $"source [{string.Join(' ', source)}]: beam gave [{string.Join(' ', sequence)}] scoring {Score(sequence):F6}, enumeration [{string.Join(' ', best)}] {Score(best):F6}");
            Assert.True(Math.Abs(found.LogProbability + reference.Nll(theta, source, sequence)) < 1e-4, $"log P {found.LogProbability} vs the reference's {-reference.Nll(theta, source, sequence)}");
            Assert.True(Math.Abs(found.Score - Score(sequence)) < 1e-4);
        }
    }

    [Fact]
    public void Training_passes_and_decoding_allocate_nothing_once_set_up()
    {
        var model = Build("lstm,gru", "lstm,gru", AttentionScore.General, seed: 2);
        var ws = model.CreateWorkspace(Ts, Tt, B);
        var decoder = new SequenceDecoder(model, maxSourceLength: 4, maxLength: 6, beamWidth: 3, lengthPenalty: 0.6);
        int[] source = TimeMajor(SourceRows, Ts), target = TimeMajor(TargetRows, Tt), output = new int[6];
        void Run()
        {
            model.Parameters.ZeroGradients();
            model.Forward(ws, source, SourceLengths, target, TargetLengths);
            model.Backward(ws);
            decoder.Greedy(SourceRows[0], output);
            decoder.Beam(SourceRows[2], output);
        }
        for (int i = 0; i < 3; i++) Run();   // JIT, tiering, the GEMM's per-thread buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary>A cell declared here, with two states, for the encoder-decoder to start one from the other.</summary>
[RnnCell]
public partial class TwoStateGate
{
    static void Step(Var x, ref Var h, ref Var c)
    {
        var f = Sigmoid(W(x) + W(h) + B(1f));
        c = f * c + (1f - f) * Tanh(W(x) + W(h) + B());
        h = Tanh(c) * Sigmoid(W(x) + W(h) + B());
    }
}
