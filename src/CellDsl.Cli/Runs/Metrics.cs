using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using CellDsl.Training.Data;

namespace CellDsl.Cli.Runs
{
    /// <summary>One row of metrics.jsonl: a split's figures at one evaluation.</summary>
    /// <param name="Epoch">Epochs trained so far, fractional between epoch ends (step / windows per epoch).</param>
    /// <param name="Step">Optimizer steps taken.</param>
    /// <param name="Split">"train" (the mean over the windows trained since the last evaluation, dropout on), "valid" or "test".</param>
    /// <param name="Loss">Mean NLL per scored token, in nats.</param>
    /// <param name="Metric">The corpus's figure: "perplexity", "bpc" or "accuracy".</param>
    /// <param name="Value">That figure; null for the training accuracy, which training steps do not measure.</param>
    /// <param name="LearningRate">The rate of the last step.</param>
    /// <param name="TokensPerSecond">Training tokens (T·B per step) per second of training since the last evaluation.</param>
    /// <param name="WallSeconds">Seconds since the run started, resumed parts added up.</param>
    public sealed record MetricsRow(
        [property: JsonPropertyName("epoch")] double Epoch,
        [property: JsonPropertyName("step")] long Step,
        [property: JsonPropertyName("split")] string Split,
        [property: JsonPropertyName("loss")] double Loss,
        [property: JsonPropertyName("metric")] string Metric,
        [property: JsonPropertyName("value")] double? Value,
        [property: JsonPropertyName("lr")] double LearningRate,
        [property: JsonPropertyName("tokensPerSecond")] double TokensPerSecond,
        [property: JsonPropertyName("wallSeconds")] double WallSeconds);

    /// <summary>metrics.jsonl: one JSON object per line, appended after each evaluation.</summary>
    public static class MetricsLog
    {
        private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

        public static string MetricName(Metric metric) => metric switch
        {
            Metric.Perplexity => "perplexity",
            Metric.BitsPerCharacter => "bpc",
            _ => "accuracy",
        };

        /// <summary>The training split's figure from its mean NLL; accuracy needs argmaxes training does not record.</summary>
        public static double? FromLoss(Metric metric, double loss) => metric switch
        {
            Metric.Perplexity => System.Math.Exp(loss),
            Metric.BitsPerCharacter => loss / System.Math.Log(2),
            _ => null,
        };

        public static void Append(string path, IEnumerable<MetricsRow> rows)
            => File.AppendAllLines(path, rows.Select(r => JsonSerializer.Serialize(r, Json)));

        /// <summary>Every row of the file; a line that is not a row raises <see cref="RunFolderException"/> naming the line.</summary>
        public static List<MetricsRow> Read(string path)
        {
            if (!File.Exists(path)) throw new RunFolderException(path, "missing: the run has no evaluations yet.");
            var rows = new List<MetricsRow>();
            int number = 0;
            foreach (var line in File.ReadLines(path))
            {
                number++;
                if (line.Length == 0) continue;
                try { rows.Add(JsonSerializer.Deserialize<MetricsRow>(line, Json) ?? throw new JsonException("null row")); }
                catch (JsonException e) { throw new RunFolderException($"{path}:{number}", $"not a metrics row ({e.Message})."); }
            }
            return rows;
        }

        /// <summary>Keeps the rows up to <paramref name="step"/>: a resumed run drops what came after its checkpoint.</summary>
        public static List<MetricsRow> TruncateAfter(string path, long step)
        {
            var kept = File.Exists(path) ? Read(path).Where(r => r.Step <= step).ToList() : new List<MetricsRow>();
            File.WriteAllLines(path, kept.Select(r => JsonSerializer.Serialize(r, Json)));
            return kept;
        }
    }
}
