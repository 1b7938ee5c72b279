using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CellDsl.Compiler;
using CellDsl.Compiler.Graph;

namespace CellDsl.Search.Mutation
{
    /// <summary>The six transformations of Jozefowicz et al. (2015), §3.2, one of which a picked node gets.</summary>
    public enum MutationOperator
    {
        /// <summary>An activation node becomes another activation of the paper's set.</summary>
        ChangeActivation,
        /// <summary>A +, - or * becomes one of the other two.</summary>
        ChangeElementwise,
        /// <summary>A random activation goes between the node and one of its parents (operands).</summary>
        InsertActivation,
        /// <summary>A node with exactly one input and one output is removed; its reader reads its input.</summary>
        RemoveNode,
        /// <summary>Whatever read the node reads one of its ancestors instead.</summary>
        ReplaceWithAncestor,
        /// <summary>The node becomes a + b, a * b or a - b of a random ancestor a of the node and a random ancestor b
        /// of one of its parents.</summary>
        ReplaceWithCombination,
    }

    /// <summary>A mutated cell and how to make it again: <see cref="Mutator.Mutate"/>(parent, <see cref="Seed"/>) returns it.</summary>
    /// <param name="Graph">The mutant, dead nodes dropped; it passes <see cref="GraphAnalysis.Validate"/>.</param>
    /// <param name="Seed">The seed of every random choice that made it.</param>
    /// <param name="P">The attempt's node-picking probability p ~ U[0, 1].</param>
    /// <param name="Attempts">Attempts made (an attempt whose graph is invalid or unchanged is retried).</param>
    /// <param name="Edits">One line per transformed node, in the order applied.</param>
    public sealed record Mutant(CellGraph Graph, long Seed, double P, int Attempts, IReadOnlyList<string> Edits)
    {
        public string Description => string.Join("; ", Edits);
    }

    /// <summary>A parent for which no attempt gave a valid, changed graph.</summary>
    public sealed class MutationFailedException : Exception
    {
        public MutationFailedException(string message) : base(message) { }
    }

    /// <summary>
    /// The paper's mutation: draw p ~ U[0, 1], pick each live non-leaf node with probability p, and give each picked
    /// node one of the six transformations (<see cref="MutationOperator"/>), chosen uniformly among those that apply
    /// to it. Every random choice comes from one <see cref="CellRandom"/> seeded with the given seed, so the same
    /// parent and seed give the same mutant. Edits go through <see cref="GraphRewrite"/>; an edit whose graph
    /// <see cref="GraphAnalysis.Validate"/> rejects is drawn again (a few times, then the node is left as it is), and
    /// an attempt whose result is invalid or computes what the parent does (<see cref="CanonicalKey"/>) is retried
    /// whole, so nothing invalid is ever returned.
    /// </summary>
    public static class Mutator
    {
        public const int DefaultAttempts = 64;

        private const int TriesPerNode = 8;

        private static readonly OpKind[] Elementwise = { OpKind.Add, OpKind.Sub, OpKind.Mul };

        public static Mutant Mutate(CellGraph parent, long seed, int maxAttempts = DefaultAttempts)
        {
            ArgumentNullException.ThrowIfNull(parent);
            if (maxAttempts <= 0) throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "at least one attempt is needed");
            var errors = GraphAnalysis.Validate(parent);
            if (errors.Count > 0) throw new ArgumentException($"cell '{parent.Name}' is not a well-formed graph: {string.Join("; ", errors)}", nameof(parent));
            string parentKey = CanonicalKey.Of(parent);
            var rng = new CellRandom(seed);
            for (int attempt = 1; attempt <= maxAttempts; attempt++)
            {
                double p = rng.NextDouble();
                var edits = new List<string>();
                var g = parent;
                var live = GraphAnalysis.Live(g);
                var picked = Enumerable.Range(0, g.Nodes.Count).Where(i => live[i] && !g.Nodes[i].IsLeaf).Where(_ => rng.NextDouble() < p).ToList();
                // Highest index first: every edit keeps the indices below the edited node, so the later picks stay put.
                for (int k = picked.Count - 1; k >= 0; k--)
                {
                    int node = picked[k];
                    if (!GraphAnalysis.Live(g)[node]) continue;   // an edit above made it dead
                    for (int t = 0; t < TriesPerNode; t++)
                    {
                        var ops = Applicable(g, node);
                        if (ops.Count == 0) break;
                        var op = ops[Index(rng, ops.Count)];
                        var edited = Apply(g, node, op, rng, out string what);
                        if (GraphAnalysis.Validate(GraphRewrite.DropDeadNodes(edited)).Count == 0)
                        {
                            edits.Add(what);
                            g = edited;
                            break;
                        }
                    }
                }
                if (edits.Count == 0) continue;
                var result = GraphRewrite.DropDeadNodes(g);
                if (GraphAnalysis.Validate(result).Count > 0 || CanonicalKey.Of(result) == parentKey) continue;
                return new Mutant(result, seed, p, attempt, edits);
            }
            throw new MutationFailedException($"No valid mutant of '{parent.Name}' in {maxAttempts} attempts with seed {seed}; try another seed or parent.");
        }

        /// <summary>The transformations that apply to node <paramref name="node"/> (its kind and its neighbours allow them).</summary>
        public static List<MutationOperator> Applicable(CellGraph g, int node)
        {
            var n = g.Nodes[node];
            var ops = new List<MutationOperator>();
            if (n.IsLeaf) return ops;
            if (Activation.IsActivationNode(n)) ops.Add(MutationOperator.ChangeActivation);
            if (Elementwise.Contains(n.Op)) ops.Add(MutationOperator.ChangeElementwise);
            ops.Add(MutationOperator.InsertActivation);
            if (n.Args.Count == 1 && Outputs(g, node) == 1) ops.Add(MutationOperator.RemoveNode);
            if (Ancestors(g, node).Count > 0) ops.Add(MutationOperator.ReplaceWithAncestor);
            if (n.Args.Any(a => Ancestors(g, a).Count > 0)) ops.Add(MutationOperator.ReplaceWithCombination);
            return ops;
        }

        /// <summary>
        /// Applies one transformation to node <paramref name="node"/>, its random choices from <paramref name="rng"/>.
        /// The result is in topological order but may have dead nodes and may not pass Validate (the caller checks).
        /// </summary>
        public static CellGraph Apply(CellGraph g, int node, MutationOperator op, CellRandom rng, out string description)
        {
            ArgumentNullException.ThrowIfNull(g);
            ArgumentNullException.ThrowIfNull(rng);
            if (node < 0 || node >= g.Nodes.Count) throw new ArgumentOutOfRangeException(nameof(node), node, $"the cell has {g.Nodes.Count} node(s)");
            if (!Applicable(g, node).Contains(op))
                throw new ArgumentException($"{op} does not apply to node {node} ({Label(g, node)})", nameof(op));
            var n = g.Nodes[node];
            string at = $"node {node.ToString(CultureInfo.InvariantCulture)} ({Label(g, node)})";
            switch (op)
            {
                case MutationOperator.ChangeActivation:
                {
                    var choices = Activation.All.Where(a => !a.SameAs(g, node)).ToList();
                    var act = choices[Index(rng, choices.Count)];
                    description = $"{at}: becomes {act}";
                    return Substitute(g, node, act, n.Args[0]);
                }
                case MutationOperator.ChangeElementwise:
                {
                    var choices = Elementwise.Where(o => o != n.Op).ToList();
                    var to = choices[Index(rng, choices.Count)];
                    description = $"{at}: becomes {Symbol(to)}";
                    return Substitute(g, node, n with { Op = to, Name = null });
                }
                case MutationOperator.InsertActivation:
                {
                    int operand = Index(rng, n.Args.Count);
                    var act = Activation.All[Index(rng, Activation.All.Count)];
                    description = $"{at}: {act} inserted before its operand {operand.ToString(CultureInfo.InvariantCulture)} ({Label(g, n.Args[operand])})";
                    var edited = g;
                    var inserted = act.MakeNode(ref edited, n.Args[operand]);
                    edited = GraphRewrite.InsertNode(edited, node, inserted);
                    return GraphRewrite.ReplaceOperand(edited, node + 1, operand, node);
                }
                case MutationOperator.RemoveNode:
                    description = $"{at}: removed, its reader reads {Label(g, n.Args[0])}";
                    return GraphRewrite.RemoveNode(g, node, n.Args[0]);
                case MutationOperator.ReplaceWithAncestor:
                {
                    var ancestors = Ancestors(g, node);
                    int a = ancestors[Index(rng, ancestors.Count)];
                    description = $"{at}: replaced by its ancestor node {a.ToString(CultureInfo.InvariantCulture)} ({Label(g, a)})";
                    return GraphRewrite.RemoveNode(g, node, a);
                }
                case MutationOperator.ReplaceWithCombination:
                {
                    var ofNode = Ancestors(g, node);
                    var parents = n.Args.Distinct().Where(p => Ancestors(g, p).Count > 0).ToList();
                    int parent = parents[Index(rng, parents.Count)];
                    var ofParent = Ancestors(g, parent);
                    int a = ofNode[Index(rng, ofNode.Count)], b = ofParent[Index(rng, ofParent.Count)];
                    var combine = Elementwise[Index(rng, Elementwise.Length)];
                    description = $"{at}: replaced by node {a.ToString(CultureInfo.InvariantCulture)} ({Label(g, a)}) {Symbol(combine)} node {b.ToString(CultureInfo.InvariantCulture)} ({Label(g, b)})";
                    return Substitute(g, node, new Node(combine, new[] { a, b }.ToEquatableArray()));
                }
                default:
                    throw new ArgumentOutOfRangeException(nameof(op), op, "not one of the six operators");
            }
        }

        /// <summary>Every node some path of operands leads to from <paramref name="node"/> (not the node itself), ascending.</summary>
        public static List<int> Ancestors(CellGraph g, int node)
        {
            var seen = new bool[g.Nodes.Count];
            var stack = new Stack<int>(g.Nodes[node].Args);
            while (stack.Count > 0)
            {
                int a = stack.Pop();
                if (seen[a]) continue;
                seen[a] = true;
                foreach (int b in g.Nodes[a].Args) stack.Push(b);
            }
            return Enumerable.Range(0, seen.Length).Where(i => seen[i]).ToList();
        }

        /// <summary>How many places read the node: operands of other nodes and states taking its value.</summary>
        public static int Outputs(CellGraph g, int node)
            => g.Nodes.Sum(n => n.Args.Count(a => a == node)) + g.Next.Count(s => s == node);

        // The node at `node` replaced by `replacement` (whose operands are earlier nodes): inserted before it, then the
        // old one removed with its readers redirected, so its parameters go with it.
        private static CellGraph Substitute(CellGraph g, int node, Node replacement)
            => GraphRewrite.RemoveNode(GraphRewrite.InsertNode(g, node, replacement), node + 1, node);

        private static CellGraph Substitute(CellGraph g, int node, Activation act, int operand)
        {
            var edited = g;
            var replacement = act.MakeNode(ref edited, operand);
            return Substitute(edited, node, replacement);
        }

        private static int Index(CellRandom rng, int count) => (int)(rng.NextUInt64() % (ulong)count);

        private static string Label(CellGraph g, int node)
        {
            var n = g.Nodes[node];
            string what = n.Op switch
            {
                OpKind.Input => g.InputName,
                OpKind.State => g.States[n.State] + " (previous)",
                OpKind.Const => n.Value.ToString("R", CultureInfo.InvariantCulture),
                OpKind.Dense => n.Param2 >= 0 ? "Linear" : "W",
                _ => n.Op.ToString().ToLowerInvariant(),
            };
            return n.Name is { } name ? name + " = " + what : what;
        }

        private static string Symbol(OpKind op) => op switch { OpKind.Add => "+", OpKind.Sub => "-", _ => "*" };
    }
}
