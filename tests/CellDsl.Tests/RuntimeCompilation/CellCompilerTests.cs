using System.Runtime.CompilerServices;
using CellDsl.Compiler;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.RuntimeCompilation;
using CellDsl.Tests.Numerics;
using CellDsl.Zoo;
using Xunit;

namespace CellDsl.Tests.RuntimeCompilation;

/// <summary>The compile-and-load service the search uses: graphs in, loaded cells out, many per compilation.</summary>
public class CellCompilerTests
{
    private static CellSource Candidate(CellGraph g, string className) => new(g, EmitTarget.Of("Candidates", className));

    [Fact]
    public void The_whole_zoo_compiles_in_one_assembly_and_computes_the_zoo_bit_for_bit()
    {
        // Graphs as a tool sees them (read back from each cell's definition text), compiled under other names.
        var zoo = CellZoo.All.Select((e, i) => (e.Name, Class: "C" + i, Create: e.Create, Graph: GraphText.Read(e.Create(4, 4, 1).Definition))).ToList();
        using var compiled = CellCompiler.Compile(zoo.Select(z => Candidate(z.Graph, z.Class)));
        foreach (var z in zoo)
        {
            int H = 6, I = GraphAnalysis.SquareRequirement(z.Graph) is null ? 5 : 6;
            var mine = compiled.Create("Candidates." + z.Class, I, H, 3);
            var theirs = z.Create(I, H, 3);
            Assert.Equal(theirs.Parameters.ToArray(), mine.Parameters.ToArray());
            var (outMine, gradMine) = Pass(mine);
            var (outTheirs, gradTheirs) = Pass(theirs);
            Assert.True(outTheirs.SequenceEqual(outMine), $"{z.Name}: outputs differ");
            Assert.True(gradTheirs.SequenceEqual(gradMine), $"{z.Name}: gradients differ");
        }
    }

    private static (float[] Output, float[] Gradients) Pass(IRecurrentCell cell)
    {
        const int T = 3, B = 2;
        var rng = new CellRandom(8);
        var x = new float[T * B * cell.InputSize];
        var dy = new float[T * B * cell.HiddenSize];
        rng.FillUniform(x, -1f, 1f);
        rng.FillUniform(dy, -1f, 1f);
        var ws = cell.CreateWorkspace(T, B);
        cell.Forward(ws, x);
        cell.ZeroGradients();
        cell.Backward(ws, dy);
        return (ws.Output.ToArray(), cell.Gradients.ToArray());
    }

    [Fact]
    public void A_mutated_candidate_compiles_and_matches_the_interpreter()
    {
        // The search's loop in small: parse, rewrite (the forget gate's sum negated), compile, check.
        var lstm = GraphText.Read(CellZoo.Get("LSTM").Create(4, 4, 1).Definition);
        int f = lstm.Nodes.Select((n, i) => (n, i)).Single(p => p.n.Name == "f").i;
        int sum = lstm.Nodes[f].Args[0];
        var mutant = GraphRewrite.ReplaceOperand(GraphRewrite.InsertNode(lstm, f, new Node(OpKind.Neg, new[] { sum }.ToEquatableArray())), f + 1, 0, f);
        Assert.NotEqual(CanonicalKey.Of(lstm), CanonicalKey.Of(mutant));
        using var compiled = CellCompiler.Compile([Candidate(mutant, "Mutant")]);
        var cell = compiled.Create("Candidates.Mutant", 3, 5, 2);
        ZooOracleTests.RandomizeBiases(cell, 4);
        WideCellTests.CheckAgainstInterpreter(cell, mutant, T: 3, B: 2, seed: 6);
    }

    [Fact]
    public void Bad_requests_are_argument_errors_that_say_what_is_wrong()
    {
        var rnn = GraphText.Read(CellZoo.Get("tanh").Create(4, 4, 1).Definition);
        var broken = rnn with { OutputState = 3 };
        Assert.Contains("'Candidates.Broken' is not a well-formed graph: the output state index is out of range",
            Assert.Throws<ArgumentException>(() => CellCompiler.Compile([Candidate(broken, "Broken")])).Message);
        Assert.Contains("more than once: Candidates.Twice", Assert.Throws<ArgumentException>(() => CellCompiler.Compile([Candidate(rnn, "Twice"), Candidate(rnn, "Twice")])).Message);
        Assert.Contains("no cells", Assert.Throws<ArgumentException>(() => CellCompiler.Compile([])).Message);
        Assert.Contains("'Candidates.lstm-b' is not a valid class name", Assert.Throws<ArgumentException>(() => CellCompiler.Compile([Candidate(rnn, "lstm-b")])).Message);
        Assert.Contains("'class.Rnn' is not a valid class name", Assert.Throws<ArgumentException>(() => CellCompiler.Compile([new CellSource(rnn, EmitTarget.Of("class", "Rnn"))])).Message);

        using var compiled = CellCompiler.Compile([Candidate(rnn, "Rnn"), Candidate(rnn, "class")]);
        Assert.Equal("TanhRnn", compiled.Create("Candidates.class", 3, 3, 1).Name);
        Assert.Contains("Candidates.Rnn", Assert.Throws<ArgumentException>(() => compiled.Create("Candidates.Missing", 3, 3, 1)).Message);
        // The generated constructor's own check, not a reflection wrapper.
        Assert.Throws<ArgumentOutOfRangeException>(() => compiled.Create("Candidates.Rnn", 0, 3, 1));
    }

    [Fact]
    public void Code_that_does_not_compile_is_reported_with_its_numbered_source()
    {
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("public class A { int M() => \"s\"; }", CellCompiler.ParseOptions, "A.cs");
        var e = Assert.Throws<CellCompilationException>(() => CellCompiler.Load(CellCompiler.CreateCompilation([tree])));
        Assert.Contains(e.Problems, d => d.Id == "CS0029");
        Assert.Contains("---- A.cs", e.Message);
        Assert.Contains("    1: public class A", e.Message);
    }

    [Fact]
    public void Disposing_unloads_the_compiled_assembly()
    {
        var weak = CompileUseAndDispose();
        for (int i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(weak.IsAlive, "the assembly's load context is still alive after Dispose");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CompileUseAndDispose()
    {
        var rnn = GraphText.Read(CellZoo.Get("tanh").Create(4, 4, 1).Definition);
        var compiled = CellCompiler.Compile([Candidate(rnn, "Collected")]);
        var cell = compiled.Create("Candidates.Collected", 3, 3, 1);
        Pass(cell);
        var weak = new WeakReference(compiled.Assembly);
        compiled.Dispose();
        return weak;
    }
}
