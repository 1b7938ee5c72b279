using System.Diagnostics;
using CellDsl.Training.Bptt;
using CellDsl.Training.Data;
using CellDsl.Training.Generation;
using CellDsl.Training.Models;

namespace CharRnn
{
    /// <summary>
    /// char-rnn (Karpathy 2015) through the library: the text split 90/5/5 by position (<see cref="CharacterText"/>),
    /// two LSTM layers, truncated BPTT over windows of 50 characters in up to 16 streams, Adam (2e-3 unless told), clip 5.
    /// A short text gets fewer streams, so that each stream still spans ten windows and is trained past its first one.
    /// </summary>
    public sealed class CharModel
    {
        private CharModel(Corpus corpus, LanguageModel model) { Corpus = corpus; Model = model; }

        public Corpus Corpus { get; }
        public LanguageModel Model { get; }
        public double TrainBitsPerCharacter { get; private set; }
        public double ValidBitsPerCharacter { get; private set; }
        public double Seconds { get; private set; }

        public static CharModel Train(string path, int windows, int hidden = 128, float learningRate = 2e-3f, Action<string>? log = null)
        {
            var corpus = CharacterText.Load(path);
            var model = new LanguageModel(new LanguageModelConfig
            {
                VocabularySize = corpus.Vocabulary.Count, HiddenSize = hidden, Cells = ["lstm", "lstm"], InitScale = 0.08f,
            });
            const int steps = 50;
            var options = new TrainerOptions
            {
                Steps = steps, Batch = Math.Clamp(corpus.Train.Length / (steps * 10), 1, 16), Optimizer = "adam", LearningRate = learningRate, ClipNorm = 5f,
                Epochs = int.MaxValue, ConstantEpochs = int.MaxValue,   // the budget is counted in windows
                EvaluationSteps = 10, EvaluationBatch = 1,               // one continuous stream: a short valid split fits
            };
            var trainer = new Trainer(model, corpus.Train, options);
            var clock = Stopwatch.StartNew();
            double recent = double.NaN;
            trainer.Progress += p =>
            {
                double bits = p.Loss / Math.Log(2);
                recent = double.IsNaN(recent) ? bits : 0.95 * recent + 0.05 * bits;
                if (p.Step % 100 == 0) log?.Invoke($"window {p.Step}: {recent:F3} bits/char, {clock.Elapsed.TotalSeconds:F0} s");
            };
            trainer.Train(windows);
            return new CharModel(corpus, model)
            {
                TrainBitsPerCharacter = trainer.Evaluate(corpus.Train, "train").BitsPerCharacter,
                ValidBitsPerCharacter = trainer.Evaluate(corpus.Valid, "valid").BitsPerCharacter,
                Seconds = clock.Elapsed.TotalSeconds,
            };
        }

        /// <summary>The first <paramref name="count"/> characters of the training text, as a prompt.</summary>
        public string FirstCharacters(int count) => Corpus.Vocabulary.Decode(Corpus.Train.Tokens.AsSpan(0, count));

        /// <summary><paramref name="length"/> characters sampled after <paramref name="prompt"/> (which must use the text's characters).</summary>
        public string Sample(string prompt, int length, float temperature, long seed)
        {
            var ids = prompt.EnumerateRunes().Select(r => Corpus.Vocabulary.Id(r.ToString())).ToArray();
            var generated = new TextGenerator(Model).Generate(ids, length, new SamplingOptions(temperature, 0, seed));
            return prompt + Corpus.Vocabulary.Decode(generated);
        }
    }
}
