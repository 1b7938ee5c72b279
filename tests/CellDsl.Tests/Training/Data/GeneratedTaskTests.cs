using System.Globalization;
using CellDsl.Training.Data;
using CellDsl.Training.Data.Tasks;
using Xunit;

namespace CellDsl.Tests.Training.Data;

/// <summary>The generated tasks checked by reading their streams back as text, with parsers written for the tests.</summary>
public class GeneratedTaskTests
{
    private static readonly TaskSizes Sizes = new(200_000, 5_000, 5_000);

    private static string Text(TokenStream s) => s.Vocabulary.Decode(s.Tokens);

    // Complete examples of a stream cut into pieces ending in `end`: the last piece may have been cut by the length.
    private static string[] Examples(string text, string end)
    {
        var pieces = text.Split(end);
        return pieces[..^1];
    }

    private sealed record Sum(long A, char Op, long B, string AnswerText, int Distractors, int Gaps, string Question);

    // The paper's reading: drop the distractor letters, then "a op b", '=' and the answer.
    private static Sum ParseArith(string example)
    {
        int eq = example.IndexOf('=');
        Assert.True(eq > 0, $"no '=' in '{example}'");
        string noisy = example[..eq], answer = example[(eq + 1)..];
        string question = new(noisy.Where(c => !char.IsAsciiLetterLower(c)).ToArray());
        int op = question.IndexOfAny(['+', '-'], 1);
        Assert.True(op > 0, $"no operator in '{example}'");
        Assert.DoesNotContain(answer, char.IsAsciiLetterLower);
        return new Sum(long.Parse(question[..op], CultureInfo.InvariantCulture), question[op], long.Parse(question[(op + 1)..], CultureInfo.InvariantCulture),
                       answer, noisy.Length - question.Length, question.Length, question);
    }

    [Fact]
    public void The_test_parser_reads_the_papers_arith_example_as_3369_minus_13994433()
    {
        var sum = ParseArith("3e36d9-h1h39f94eeh43keg3c=-13991064");
        Assert.Equal((3369L, '-', 13994433L, "-13991064"), (sum.A, sum.Op, sum.B, sum.AnswerText));
        Assert.Equal(3369L - 13994433L, long.Parse(sum.AnswerText, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Arith_answers_are_the_sum_or_difference_of_the_operands_read_through_the_distractors()
    {
        var corpus = ArithTask.Generate(seed: 7, Sizes);
        var examples = Examples(Text(corpus.Train), ".");
        Assert.True(examples.Length > 5_000, $"only {examples.Length} examples");
        var lengths = new int[ArithTask.MaxDigits + 1];
        long distractors = 0, gaps = 0, sums = 0;
        foreach (string example in examples)
        {
            var s = ParseArith(example);
            long expected = s.Op == '+' ? s.A + s.B : s.A - s.B;
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), s.AnswerText);
            foreach (long operand in new[] { s.A, s.B })
            {
                int digits = operand.ToString(CultureInfo.InvariantCulture).Length;
                Assert.InRange(digits, 1, ArithTask.MaxDigits);
                lengths[digits]++;
            }
            Assert.Equal(s.Question, s.A.ToString(CultureInfo.InvariantCulture) + s.Op + s.B.ToString(CultureInfo.InvariantCulture));   // no leading zeros
            distractors += s.Distractors;
            gaps += s.Gaps;
            if (s.Op == '+') sums++;
        }
        // Digit counts uniform over 1..8; sum and difference equally likely; one distractor per gap on average.
        for (int d = 1; d <= ArithTask.MaxDigits; d++)
            Assert.InRange(lengths[d] / (2.0 * examples.Length), 0.125 - 0.015, 0.125 + 0.015);
        Assert.InRange(sums / (double)examples.Length, 0.47, 0.53);
        Assert.InRange(distractors / (double)gaps, 0.95, 1.05);
    }

    [Fact]
    public void Easier_arith_keeps_its_operands_within_the_digit_count_and_drops_the_distractors_when_asked()
    {
        var examples = Examples(Text(ArithTask.Generate(seed: 5, Sizes, maxDigits: 2, distractorContinue: 0).Train), ".");
        Assert.True(examples.Length > 5_000, $"only {examples.Length} examples");
        var lengths = new int[3];
        foreach (string example in examples)
        {
            var s = ParseArith(example);
            Assert.Equal(0, s.Distractors);
            Assert.Equal((s.Op == '+' ? s.A + s.B : s.A - s.B).ToString(CultureInfo.InvariantCulture), s.AnswerText);
            foreach (long operand in new[] { s.A, s.B }) lengths[operand.ToString(CultureInfo.InvariantCulture).Length]++;
        }
        Assert.InRange(lengths[1] / (double)(lengths[1] + lengths[2]), 0.45, 0.55);
        // The longest operands the generator takes: 17 digits, whose sum still fits a long.
        var longest = Examples(Text(ArithTask.Generate(seed: 5, new TaskSizes(20_000, 100, 100), maxDigits: ArithTask.MaxSupportedDigits).Train), ".");
        Assert.Contains(longest, e => ParseArith(e).A.ToString(CultureInfo.InvariantCulture).Length == ArithTask.MaxSupportedDigits);
    }

    [Theory]
    [InlineData(0, 0.5, "maxDigits")]
    [InlineData(18, 0.5, "maxDigits")]
    [InlineData(8, 1.0, "distractorContinue")]
    [InlineData(8, -0.1, "distractorContinue")]
    [InlineData(8, double.NaN, "distractorContinue")]
    public void Arith_refuses_digit_counts_and_distractor_rates_it_cannot_generate(int maxDigits, double distractors, string argument)
        => Assert.Equal(argument, Assert.Throws<ArgumentOutOfRangeException>(() => ArithTask.Generate(1, Sizes, maxDigits, distractors)).ParamName);

    [Fact]
    public void Arith_scores_exactly_the_answer_and_its_end_delimiter()
    {
        var stream = ArithTask.Generate(seed: 3, Sizes).Valid;
        string text = Text(stream);
        Assert.NotNull(stream.Scored);
        bool inAnswer = false;
        for (int i = 0; i < text.Length; i++)
        {
            bool expected = inAnswer && text[i] != '=';
            if (text[i] == '=') inAnswer = true;
            if (text[i] == '.') inAnswer = false;
            Assert.True(expected == stream.Scored![i], $"position {i} ('{text[i]}') scored {stream.Scored[i]}, expected {expected}");
        }
        Assert.Contains(true, stream.Scored!);
    }

    private sealed record Tag(int Indent, bool Open, string Name);

    private static Tag ParseLine(string line)
    {
        int indent = line.Length - line.TrimStart(' ').Length;
        string tag = line[indent..];
        Assert.True(tag.StartsWith('<') && tag.EndsWith('>'), $"'{line}' is not one tag");
        bool open = tag[1] != '/';
        string name = tag[(open ? 1 : 2)..^1];
        Assert.True(name.All(char.IsAsciiLetterLower), $"tag name '{name}'");
        return new Tag(indent, open, name);
    }

    [Fact]
    public void Xml_documents_are_well_formed_indented_by_depth_and_open_no_tag_after_fifty_iterations()
    {
        var corpus = XmlTask.Generate(seed: 11, Sizes);
        Assert.Null(corpus.Train.Scored);   // next-character accuracy over every position
        var documents = Examples(Text(corpus.Train), "\n\n");
        Assert.True(documents.Length > 500, $"only {documents.Length} documents");
        int opens = 0, freeChoices = 0, longest = 0;
        var nameLengths = new int[XmlTask.MaxTagLength + 1];
        foreach (string document in documents)
        {
            var stack = new Stack<string>();
            var tags = document.Split('\n').Select(ParseLine).ToList();
            Assert.NotEmpty(tags);
            for (int iteration = 0; iteration < tags.Count; iteration++)
            {
                var tag = tags[iteration];
                // With a tag open and before iteration 50 the choice is a coin flip between opening and closing.
                if (iteration < XmlTask.FreeIterations && stack.Count > 0)
                {
                    freeChoices++;
                    if (tag.Open) opens++;
                }
                if (tag.Open)
                {
                    Assert.True(iteration < XmlTask.FreeIterations, $"a tag opened at iteration {iteration}");
                    Assert.InRange(tag.Name.Length, XmlTask.MinTagLength, XmlTask.MaxTagLength);
                    nameLengths[tag.Name.Length]++;
                    Assert.Equal(stack.Count, tag.Indent);
                    stack.Push(tag.Name);
                }
                else
                {
                    Assert.True(stack.Count > 0, $"'</{tag.Name}>' closes nothing");
                    Assert.Equal(stack.Pop(), tag.Name);
                    Assert.Equal(stack.Count, tag.Indent);
                }
            }
            Assert.Empty(stack);
            longest = Math.Max(longest, tags.Count);
        }
        Assert.InRange(opens / (double)freeChoices, 0.48, 0.52);
        int named = nameLengths.Sum();
        for (int length = XmlTask.MinTagLength; length <= XmlTask.MaxTagLength; length++)
            Assert.InRange(nameLengths[length] / (double)named, 1 / 9.0 - 0.015, 1 / 9.0 + 0.015);
        Assert.True(longest > XmlTask.FreeIterations, "no document reached the forced closing");
    }

    [Fact]
    public void Memorization_reproduces_the_five_symbols_and_scores_only_the_reproduction()
    {
        var stream = MemorizationTask.Generate(seed: 5, Sizes).Test;
        string text = Text(stream);
        var examples = Examples(text, ".");
        Assert.True(examples.Length > 400);
        int at = 0;
        foreach (string example in examples)
        {
            Assert.Equal(2 * MemorizationTask.Symbols + 1, example.Length);
            Assert.True(example[..5].All(char.IsAsciiLetterLower), example);
            Assert.Equal('=', example[5]);
            Assert.Equal(example[..5], example[6..]);
            for (int i = 0; i <= example.Length; i++)   // the '.' after the example too
                Assert.Equal(i > 5 && i < example.Length, stream.Scored![at + i]);
            at += example.Length + 1;
        }
    }

    public static TheoryData<string> Tasks => new() { "arith", "xml", "memorization" };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Same_seed_gives_the_same_streams_and_another_seed_different_ones(string task)
    {
        var sizes = new TaskSizes(3_000, 1_000, 1_000);
        var a = Corpora.Load(task, seed: 42, sizes: sizes);
        var b = Corpora.Load(task, seed: 42, sizes: sizes);
        var c = Corpora.Load(task, seed: 43, sizes: sizes);
        foreach (var (x, y, z) in new[] { (a.Train, b.Train, c.Train), (a.Valid, b.Valid, c.Valid), (a.Test, b.Test, c.Test) })
        {
            Assert.Equal(x.Tokens, y.Tokens);
            Assert.Equal(x.Scored, y.Scored);
            Assert.NotEqual(x.Tokens, z.Tokens);
        }
        Assert.NotEqual(a.Train.Tokens[..1_000], a.Valid.Tokens);
        Assert.Equal(Metric.Accuracy, a.Metric);
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Streams_have_the_requested_lengths_and_one_split_does_not_depend_on_another_ones_length(string task)
    {
        var small = Corpora.Load(task, seed: 9, sizes: new TaskSizes(2_000, 500, 300));
        var large = Corpora.Load(task, seed: 9, sizes: new TaskSizes(2_000, 800, 300));
        Assert.Equal((2_000, 500, 300), (small.Train.Length, small.Valid.Length, small.Test.Length));
        Assert.Equal(800, large.Valid.Length);
        Assert.Equal(small.Train.Tokens, large.Train.Tokens);
        Assert.Equal(small.Test.Tokens, large.Test.Tokens);
        Assert.Equal(small.Valid.Tokens, large.Valid.Tokens[..500]);
    }

    [Fact]
    public void Each_task_vocabulary_is_its_alphabet_in_ordinal_order()
    {
        foreach (var (alphabet, corpus) in new[] { (ArithTask.Alphabet, Corpora.Arith(1, new(100, 100, 100))),
                                                   (XmlTask.Alphabet, Corpora.Xml(1, new(100, 100, 100))),
                                                   (MemorizationTask.Alphabet, Corpora.Memorization(1, new(100, 100, 100))) })
            Assert.Equal(alphabet.Order().Select(c => c.ToString()), corpus.Vocabulary.Tokens);
        Assert.Equal(40, ArithTask.Alphabet.Length);
    }

    [Fact]
    public void A_stream_shorter_than_two_tokens_is_refused_naming_the_split()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ArithTask.Generate(1, new TaskSizes(1_000, 1, 1_000)));
        Assert.Equal("sizes", e.ParamName);
        Assert.Contains("Valid is 1 tokens; a stream needs at least 2", e.Message);
    }
}
