using CharRnn;
using Forecasting;
using SequenceClassification;
using Translation;
using Xunit;

namespace CellDsl.Tests.Samples;

/// <summary>Each sample's core run for a short budget: it must learn, by a bound stated against a baseline.</summary>
public class SampleTests
{
    [Fact]
    public void The_pattern_classifier_reaches_95_percent_on_held_out_sequences()
    {
        var result = PatternTask.Train(steps: 250, seed: 1);
        Assert.True(result.Accuracy >= 0.95, $"held-out accuracy {result.Accuracy:P1} after {result.Steps} steps");
    }

    [Fact]
    public void The_forecaster_beats_the_last_value_forecast_by_a_quarter()
    {
        var result = SineForecast.Train(steps: 400, seed: 1);
        Assert.True(result.ModelMse < 0.75 * result.NaiveMse, $"held-out MSE {result.ModelMse:F4} vs the last value's {result.NaiveMse:F4}");
        Assert.True(result.ModelMse > 0.9 * result.NoiseMse, $"MSE {result.ModelMse:F4} below the noise's variance {result.NoiseMse:F4}: the evaluation leaks the target");
    }

    [Fact]
    public void The_custom_cell_learns_its_rhyme()
    {
        var (first, last) = CustomCellRun.Train(windows: 120);
        Assert.True(last < 2.5 && last < first - 1.5, $"bits per character {first:F2} at the start, {last:F2} at the end");
    }

    [Fact]
    public void Char_rnn_beats_the_character_frequencies_of_its_text()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "gettysburg.txt");
        Assert.True(File.Exists(path), $"the sample's default text is missing at {path}");
        var run = CharModel.Train(path, windows: 300, hidden: 32, learningRate: 0.01f);
        // Bits per character of the best model that ignores context: the training text's character frequencies.
        var counts = run.Corpus.Train.Tokens.GroupBy(t => t).Select(g => (double)g.Count()).ToArray();
        double n = counts.Sum(), unigram = -counts.Sum(c => c / n * Math.Log2(c / n));
        Assert.True(run.TrainBitsPerCharacter < unigram - 0.5, $"train {run.TrainBitsPerCharacter:F3} bits/char vs {unigram:F3} from frequencies alone");
        var sample = run.Sample("We ", 40, 0.7f, seed: 1);
        Assert.Equal(43, sample.Length);
        Assert.StartsWith("We ", sample);
    }

    [Fact]
    public void The_date_translator_with_attention_reads_the_source_within_400_steps()
    {
        // A model that ignores the source does at best the entropy of the dates, uniform over the days: ln(days) per
        // 11 target tokens, 0.955 nats. Half of that needs the source.
        double blind = Math.Log(DateTask.Days) / DateTask.TargetLength;
        var result = Translator.Train(attention: true, steps: 400, seed: 1, evaluate: false);
        Assert.True(result.Loss < 0.5 * blind, $"mean NLL {result.Loss:F3} per target token after {result.Steps} steps; a source-blind model gets {blind:F3}");
    }
}
