using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using CellDsl.Compiler;
using CellDsl.Compiler.Emit;
using CellDsl.Compiler.Graph;
using CellDsl.Generator.Diagnostics;
using CellDsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CellDsl.Generator.Parsing
{
    /// <summary>
    /// Reads a cell declaration from C# syntax alone (no semantic model), so the same parser serves the generator at
    /// compile time and tools at run time. Knows the DSL: locals, state assignments, + - *, unary minus, float
    /// constants, and the CellOps primitives. Everything else is a diagnostic; the parser never throws.
    /// </summary>
    public static class CellParser
    {
        // The parameterised operations, then the activations of the op table.
        private static readonly string[] Primitives = new[] { "W", "B", "P", "Linear" }.Concat(Ops.Calls.Select(o => o.Name)).ToArray();
        private static readonly string PrimitiveList = string.Join(", ", Primitives);
        private static readonly string PrimitiveAlternatives = string.Join(", ", Primitives.Take(Primitives.Length - 1)) + " and " + Primitives[Primitives.Length - 1];

        /// <summary>Parses C# source text and returns the first class marked [RnnCell] (or null when there is none).</summary>
        public static ParseResult? ParseSource(string source, string path = "Cell.cs", CancellationToken cancellationToken = default)
        {
            var tree = CSharpSyntaxTree.ParseText(source, path: path, cancellationToken: cancellationToken);
            var decl = tree.GetRoot(cancellationToken).DescendantNodes().OfType<TypeDeclarationSyntax>().FirstOrDefault(HasRnnCellAttribute);
            return decl is null ? null : Parse(decl, cancellationToken);
        }

        /// <summary>The detail of a CDSL0099 message. Running out of stack is the user's nesting, not a crash to report.</summary>
        public static string Describe(Exception e)
            => e is InsufficientExecutionStackException
                ? "its equations nest too deeply to compile (split long expressions into locals)"
                : e.GetType().Name + ": " + e.Message;

        public static bool HasRnnCellAttribute(TypeDeclarationSyntax decl)
            => decl.AttributeLists.SelectMany(l => l.Attributes).Any(a => LastName(a.Name) is "RnnCell" or "RnnCellAttribute");

        /// <summary>Parses one declaration marked [RnnCell]: a class, or a record, struct or interface (each an error).</summary>
        public static ParseResult Parse(TypeDeclarationSyntax decl, CancellationToken cancellationToken = default)
        {
            try
            {
                // The user's syntax error is the one to read: a model (or a CDSL error) built from a tree the parser
                // repaired would only add errors located in generated code, or guesses about what was meant.
                if (HasSyntaxErrors(decl, cancellationToken)) return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
                return new Parser(decl, cancellationToken).Run();
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                var d = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, decl.Identifier.GetLocation(), decl.Identifier.ValueText, Describe(e));
                return new ParseResult(null, new[] { d }.ToEquatableArray());
            }
        }

        /// <summary>Whether the declaration, or a header of a namespace or type it is nested in (whose names the
        /// generated part repeats), has a syntax error.</summary>
        private static bool HasSyntaxErrors(TypeDeclarationSyntax decl, CancellationToken ct)
        {
            if (decl.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) return true;
            foreach (var p in decl.Ancestors())
            {
                int headerEnd = p switch
                {
                    BaseTypeDeclarationSyntax t => t.OpenBraceToken.SpanStart,
                    NamespaceDeclarationSyntax n => n.OpenBraceToken.SpanStart,
                    FileScopedNamespaceDeclarationSyntax f => f.SemicolonToken.Span.End,
                    _ => -1,
                };
                if (headerEnd < 0) continue;
                ct.ThrowIfCancellationRequested();
                if (p.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceSpan.Start <= headerEnd
                                                && !decl.Span.Contains(d.Location.SourceSpan.Start))) return true;
            }
            return false;
        }

        internal static string LastName(NameSyntax name) => name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => name.ToString(),
        };

        private sealed class Local
        {
            /// <summary>The value's node, or -1 when its equation had an error (already reported): reads of it then
            /// fail silently instead of cascading into "used before assignment" or "never assigned".</summary>
            public int Node;
            public int Reads;
            public SyntaxToken Declared;
        }

        private sealed class Parser
        {
            private readonly TypeDeclarationSyntax _decl;
            private readonly CancellationToken _ct;
            private readonly List<DiagnosticInfo> _diags = new List<DiagnosticInfo>();
            private readonly Dictionary<string, Local> _locals = new Dictionary<string, Local>(StringComparer.Ordinal);
            private readonly HashSet<string> _declaredLater = new HashSet<string>(StringComparer.Ordinal);
            private readonly List<string> _states = new List<string>();
            private int[] _stateNode = Array.Empty<int>();
            private bool[] _stateAssigned = Array.Empty<bool>();
            private string _input = "x";
            private string _target = "";
            private int _outputState;
            private readonly string _className;
            // Created once the signature is read: the graph's rules (folding, naming, sizes, dead code) live there.
            private CellBuilder _b = null!;

            public Parser(TypeDeclarationSyntax decl, CancellationToken ct)
            {
                _decl = decl;
                _ct = ct;
                _className = decl.Identifier.ValueText;
            }

            private void Report(DiagnosticDescriptor d, SyntaxNodeOrToken at, params string[] args)
                => _diags.Add(DiagnosticInfo.Create(d, at.GetLocation(), args));

            public ParseResult Run()
            {
                var target = ReadTarget();
                var step = ReadStepSignature();
                if (step is not null && step.Body is not null) ReadBody(step.Body);
                if (step?.Body is not null) ReportShadowedOperations(step.Body);

                if (_diags.Any(d => d.IsError) || step is null)
                    return new ParseResult(null, _diags.ToEquatableArray());

                var graph = _stateNode.Any(n => n < 0) ? null : _b.Build(_stateNode);
                if (graph is not null)
                {
                    var errors = GraphAnalysis.Validate(graph);
                    foreach (var e in errors) Report(DiagnosticDescriptors.InvalidCell, _decl.Identifier, _className, e);
                }
                var model = graph is not null && !_diags.Any(d => d.IsError) ? new CellModel(target, graph) : null;
                return new ParseResult(model, _diags.ToEquatableArray());
            }

            // ---------------------------------------------------------------- class and signature

            private EmitTarget ReadTarget()
            {
                if (_decl is RecordDeclarationSyntax record)
                    Report(DiagnosticDescriptors.UnsupportedClassShape, record.Keyword, _className, "cannot be a record: the generated part derives from CellDsl.RecurrentCell, and a record can derive only from a record; declare it as a class");
                else if (_decl is not ClassDeclarationSyntax)
                    Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.Keyword, _className, $"cannot be a{(_decl is InterfaceDeclarationSyntax ? "n" : "")} {_decl.Keyword.ValueText}: cells are classes deriving from CellDsl.RecurrentCell");
                else if (_decl.ParameterList is not null)
                    Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.ParameterList, _className, "cannot have a primary constructor: the generated part declares the constructor (inputSize, hiddenSize, seed)");
                if (!_decl.Modifiers.Any(SyntaxKind.PartialKeyword)) Report(DiagnosticDescriptors.NotPartial, _decl.Identifier, _className);
                if (_decl.Modifiers.Any(SyntaxKind.FileKeyword)) Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.Identifier, _className, "cannot be a file-local type: the generated part is in another file");
                if (_decl.TypeParameterList is not null) Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.TypeParameterList, _className, "cannot be generic: a cell's parameters are floats of fixed shape");
                if (_decl.BaseList is not null) Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.BaseList, _className, "cannot declare a base type or interfaces: the generated part derives from CellDsl.RecurrentCell");
                if (_decl.Modifiers.Any(SyntaxKind.StaticKeyword)) Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.Identifier, _className, "cannot be static: cells are constructed with their sizes");
                if (CellEmitter.DeclaresMember(_className)) Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.Identifier, _className, "cannot have this name: the generated part declares a member called so, and C# forbids members named like their class");

                var containing = new List<ContainingType>();
                var namespaces = new List<string>();
                for (SyntaxNode? p = _decl.Parent; p is not null; p = p.Parent)
                {
                    if (p is TypeDeclarationSyntax t)
                    {
                        if (!t.Modifiers.Any(SyntaxKind.PartialKeyword))
                            Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.Identifier, _className, $"is nested in '{t.Identifier.ValueText}', which must be partial too");
                        if (t.Modifiers.Any(SyntaxKind.FileKeyword))
                            Report(DiagnosticDescriptors.UnsupportedClassShape, _decl.Identifier, _className, $"is nested in the file-local type '{t.Identifier.ValueText}': the generated part is in another file");
                        string keyword = t is RecordDeclarationSyntax r
                            ? (r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record")
                            : t.Keyword.ValueText;
                        // Type parameter names only: their attributes and variance belong to the user's part alone.
                        string typeParameters = t.TypeParameterList is { } tps ? "<" + string.Join(", ", tps.Parameters.Select(tp => tp.Identifier.ToString())) + ">" : "";
                        containing.Insert(0, new ContainingType(keyword, t.Identifier.ValueText + typeParameters));
                    }
                    else if (p is BaseNamespaceDeclarationSyntax n) namespaces.Insert(0, n.Name.ToString());
                }
                return new EmitTarget(namespaces.Count == 0 ? null : string.Join(".", namespaces), containing.ToEquatableArray(), _className);
            }

            private MethodDeclarationSyntax? ReadStepSignature()
            {
                var steps = _decl.Members.OfType<MethodDeclarationSyntax>().Where(m => m.Identifier.ValueText == "Step").ToList();
                if (steps.Count == 0) { Report(DiagnosticDescriptors.MissingStep, _decl.Identifier, _className); return null; }
                if (steps.Count > 1) { Report(DiagnosticDescriptors.MalformedStep, steps[1].Identifier, _className, "it is declared more than once"); return null; }
                var step = steps[0];
                bool ok = true;
                if (!step.Modifiers.Any(SyntaxKind.StaticKeyword)) { Report(DiagnosticDescriptors.MalformedStep, step.Identifier, _className, "it must be static"); ok = false; }
                if (!(step.ReturnType is PredefinedTypeSyntax pt && pt.Keyword.IsKind(SyntaxKind.VoidKeyword))) { Report(DiagnosticDescriptors.MalformedStep, step.ReturnType, _className, "it must return void"); ok = false; }
                if (step.TypeParameterList is not null) { Report(DiagnosticDescriptors.MalformedStep, step.TypeParameterList, _className, "it cannot be generic"); ok = false; }
                if (step.Body is null) { Report(DiagnosticDescriptors.MalformedStep, step.Identifier, _className, "it needs a block body { ... }"); ok = false; }
                var ps = step.ParameterList.Parameters;
                if (ps.Count < 2) { Report(DiagnosticDescriptors.MalformedStep, step.ParameterList, _className, "it needs the input and at least one state: Step(Var x, ref Var h)"); ok = false; }
                int output = -1;
                for (int i = 0; i < ps.Count; i++)
                {
                    var prm = ps[i];
                    string name = prm.Identifier.ValueText;
                    bool isVar = prm.Type is not null && (prm.Type is NameSyntax ns && LastName(ns) == "Var");
                    if (i == 0)
                    {
                        if (!isVar || prm.Modifiers.Count > 0 || prm.Default is not null) { Report(DiagnosticDescriptors.BadParameter, prm, name, "'Var " + name + "' (the step's input, without ref)"); ok = false; }
                        _input = name;
                        continue;
                    }
                    bool isRef = prm.Modifiers.Count == 1 && prm.Modifiers[0].IsKind(SyntaxKind.RefKeyword);
                    if (!isVar || !isRef || prm.Default is not null) { Report(DiagnosticDescriptors.BadParameter, prm, name, "'ref Var " + name + "' (a carried state)"); ok = false; }
                    bool marked = prm.AttributeLists.SelectMany(l => l.Attributes).Any(a => LastName(a.Name) is "Output" or "OutputAttribute");
                    if (marked)
                    {
                        if (output >= 0) { Report(DiagnosticDescriptors.OutputMisuse, prm, $"may mark only one state, but both '{_states[output]}' and '{name}' are marked"); ok = false; }
                        output = _states.Count;
                    }
                    _states.Add(name);
                }
                if (ps.Count > 0 && ps[0].AttributeLists.SelectMany(l => l.Attributes).Any(a => LastName(a.Name) is "Output" or "OutputAttribute"))
                { Report(DiagnosticDescriptors.OutputMisuse, ps[0], $"marks a state, not the input '{ps[0].Identifier.ValueText}'"); ok = false; }
                _outputState = Math.Max(output, 0);
                _stateNode = Enumerable.Repeat(-1, _states.Count).ToArray();
                _stateAssigned = new bool[_states.Count];
                _b = new CellBuilder(_className, _input, _states) { OutputState = _outputState };
                return ok ? step : null;
            }

            /// <summary>CDSL0017: a member of the cell (or of a type it is nested in) named like a DSL operation that Step
            /// calls unqualified. C# binds the call to that member; the generator reads the DSL's operation.</summary>
            private void ReportShadowedOperations(BlockSyntax body)
            {
                var called = new HashSet<string>(body.DescendantNodes().OfType<InvocationExpressionSyntax>()
                    .Select(i => i.Expression is IdentifierNameSyntax id ? id.Identifier.ValueText : null)
                    .Where(n => n is not null && Array.IndexOf(Primitives, n) >= 0)!, StringComparer.Ordinal);
                if (called.Count == 0) return;
                for (SyntaxNode? t = _decl; t is TypeDeclarationSyntax type; t = t.Parent)
                    foreach (var member in type.Members)
                        foreach (var token in DeclaredNames(member))
                            if (called.Contains(token.ValueText))
                                Report(DiagnosticDescriptors.ShadowedOperation, token, token.ValueText, type.Identifier.ValueText, _className);
            }

            private static IEnumerable<SyntaxToken> DeclaredNames(MemberDeclarationSyntax m) => m switch
            {
                MethodDeclarationSyntax x => new[] { x.Identifier },
                PropertyDeclarationSyntax x => new[] { x.Identifier },
                EventDeclarationSyntax x => new[] { x.Identifier },
                BaseFieldDeclarationSyntax x => x.Declaration.Variables.Select(v => v.Identifier),
                DelegateDeclarationSyntax x => new[] { x.Identifier },
                BaseTypeDeclarationSyntax x => new[] { x.Identifier },
                _ => Array.Empty<SyntaxToken>(),
            };

            // ---------------------------------------------------------------- statements

            private void ReadBody(BlockSyntax body)
            {
                foreach (var inv in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
                    foreach (var arg in inv.ArgumentList.Arguments)
                        if (arg.Expression is LiteralExpressionSyntax lit && lit.IsKind(SyntaxKind.StringLiteralExpression))
                            _b.ReserveName(lit.Token.ValueText);
                foreach (var st in body.Statements)
                    if (st is LocalDeclarationStatementSyntax ld)
                        foreach (var v in ld.Declaration.Variables) _declaredLater.Add(v.Identifier.ValueText);

                foreach (var st in body.Statements)
                {
                    _ct.ThrowIfCancellationRequested();
                    switch (st)
                    {
                        case LocalDeclarationStatementSyntax ld: ReadLocalDeclaration(ld); break;
                        case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax asg }: ReadAssignment(asg); break;
                        case EmptyStatementSyntax: break;
                        default: Report(DiagnosticDescriptors.UnsupportedStatement, st, FirstLine(st)); break;
                    }
                }
                for (int k = 0; k < _states.Count; k++)
                    if (!_stateAssigned[k])
                    {
                        var prm = _decl.Members.OfType<MethodDeclarationSyntax>().First(m => m.Identifier.ValueText == "Step").ParameterList.Parameters[k + 1];
                        Report(DiagnosticDescriptors.StateNeverAssigned, prm.Identifier, _states[k]);
                    }
                foreach (var kv in _locals)
                    if (kv.Value.Reads == 0 && !_stateNode.Contains(kv.Value.Node))
                        Report(DiagnosticDescriptors.UnusedValue, kv.Value.Declared, kv.Key);
            }

            private void ReadLocalDeclaration(LocalDeclarationStatementSyntax ld)
            {
                if (ld.IsConst || ld.Modifiers.Count > 0 || ld.UsingKeyword != default)
                { Report(DiagnosticDescriptors.UnsupportedStatement, ld, FirstLine(ld)); return; }
                var type = ld.Declaration.Type;
                bool typeOk = type.IsVar || (type is NameSyntax n && LastName(n) == "Var");
                if (!typeOk) { Report(DiagnosticDescriptors.UnsupportedStatement, ld, FirstLine(ld)); return; }
                foreach (var v in ld.Declaration.Variables)
                {
                    string name = v.Identifier.ValueText;
                    if (_locals.ContainsKey(name) || _states.Contains(name) || name == _input)
                    { Report(DiagnosticDescriptors.UnsupportedStatement, v, FirstLine(ld) + " (the name is already in use)"); continue; }
                    if (v.Initializer is null) { Report(DiagnosticDescriptors.UnsupportedStatement, v, v + " (declare locals with a value: var " + name + " = ...;)"); Poison(name, v.Identifier); continue; }
                    _target = name;
                    var value = Eval(v.Initializer.Value);
                    if (value is null) { Poison(name, v.Identifier); continue; }
                    if (value.Value.IsConst) { Report(DiagnosticDescriptors.UnsupportedExpression, v.Initializer.Value, v.Initializer.Value.ToString(), "a local must hold a vector, not a plain constant"); Poison(name, v.Identifier); continue; }
                    int node = value.Value.Node;
                    _b.NameValue(node, name);
                    _locals[name] = new Local { Node = node, Declared = v.Identifier };
                }
            }

            /// <summary>Declares a local whose value could not be computed (the error is reported), so later reads stay quiet.</summary>
            private void Poison(string name, SyntaxToken declared) => _locals[name] = new Local { Node = -1, Reads = 1, Declared = declared };

            private void ReadAssignment(AssignmentExpressionSyntax asg)
            {
                if (asg.Left is not IdentifierNameSyntax id) { Report(DiagnosticDescriptors.UnsupportedStatement, asg, FirstLine(asg)); return; }
                string name = id.Identifier.ValueText;
                int k = _states.IndexOf(name);
                bool isLocal = _locals.ContainsKey(name);
                if (k < 0 && !isLocal)
                {
                    if (name == _input) Report(DiagnosticDescriptors.UnsupportedStatement, asg, FirstLine(asg) + " (the input cannot be assigned)");
                    else if (_declaredLater.Contains(name)) Report(DiagnosticDescriptors.UsedBeforeAssignment, id, name);
                    else Report(DiagnosticDescriptors.UnsupportedExpression, id, name, "only locals declared in Step and the ref states can be assigned");
                    return;
                }
                _target = name;
                CellValue? rhs;
                switch (asg.Kind())
                {
                    case SyntaxKind.SimpleAssignmentExpression: rhs = Eval(asg.Right); break;
                    case SyntaxKind.AddAssignmentExpression: rhs = Combine(OpKind.Add, Eval(asg.Left), Eval(asg.Right)); break;
                    case SyntaxKind.SubtractAssignmentExpression: rhs = Combine(OpKind.Sub, Eval(asg.Left), Eval(asg.Right)); break;
                    case SyntaxKind.MultiplyAssignmentExpression: rhs = Combine(OpKind.Mul, Eval(asg.Left), Eval(asg.Right)); break;
                    default: Report(DiagnosticDescriptors.UnsupportedStatement, asg, FirstLine(asg)); return;
                }
                if (rhs is not null && rhs.Value.IsConst)
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, asg.Right, asg.Right.ToString(), "a state or local must hold a vector, not a plain constant");
                    rhs = null;
                }
                if (k >= 0)
                {
                    if (_stateAssigned[k]) { Report(DiagnosticDescriptors.StateAssignedTwice, asg.Left, name); return; }
                    // After an error in the equation (already reported) the state still counts as assigned, so it is
                    // not also reported as never assigned; reads of it after this point stay quiet.
                    _stateAssigned[k] = true;
                    _stateNode[k] = rhs?.Node ?? -1;
                }
                else if (rhs is null) _locals[name] = new Local { Node = -1, Reads = 1, Declared = id.Identifier };
                else
                {
                    var local = _locals[name];
                    if (local.Reads == 0 && !_stateNode.Contains(local.Node)) Report(DiagnosticDescriptors.UnusedValue, local.Declared, name);
                    _locals[name] = new Local { Node = rhs.Value.Node, Declared = id.Identifier };
                }
            }

            private static string FirstLine(SyntaxNode n)
            {
                var s = n.ToString();
                int nl = s.IndexOfAny(new[] { '\r', '\n' });
                return nl < 0 ? s : s.Substring(0, nl) + " ...";
            }

            // ---------------------------------------------------------------- expressions

            private CellValue? Eval(ExpressionSyntax e)
            {
                _ct.ThrowIfCancellationRequested();
                // A long sum is a left-deep tree: fail cleanly (CDSL0099) rather than overflow the compiler's stack.
                RuntimeHelpers.EnsureSufficientExecutionStack();
                switch (e)
                {
                    case ParenthesizedExpressionSyntax p: return Eval(p.Expression);
                    case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.NumericLiteralExpression):
                        return CellValue.OfConst(Convert.ToSingle(lit.Token.Value, System.Globalization.CultureInfo.InvariantCulture));
                    case IdentifierNameSyntax id: return Identifier(id);
                    case BinaryExpressionSyntax bin:
                    {
                        OpKind? op = bin.Kind() switch
                        {
                            SyntaxKind.AddExpression => OpKind.Add,
                            SyntaxKind.SubtractExpression => OpKind.Sub,
                            SyntaxKind.MultiplyExpression => OpKind.Mul,
                            _ => null,
                        };
                        if (op is null) { Report(DiagnosticDescriptors.UnsupportedExpression, bin.OperatorToken, bin.OperatorToken.ValueText, "cells combine values with +, - and * only"); return null; }
                        return Combine(op.Value, Eval(bin.Left), Eval(bin.Right));
                    }
                    case PrefixUnaryExpressionSyntax un when un.IsKind(SyntaxKind.UnaryMinusExpression) || un.IsKind(SyntaxKind.UnaryPlusExpression):
                    {
                        var v = Eval(un.Operand);
                        if (v is null) return null;
                        if (un.IsKind(SyntaxKind.UnaryPlusExpression)) return v;
                        return _b.Negate(v.Value);
                    }
                    case InvocationExpressionSyntax inv: return Invocation(inv);
                    case MemberAccessExpressionSyntax ma:
                        Report(DiagnosticDescriptors.UnsupportedExpression, ma, ma.ToString(), "fields, properties and other members cannot be read in a cell; use locals, the input and the states");
                        return null;
                    default:
                        Report(DiagnosticDescriptors.UnsupportedExpression, e, FirstLine(e), "use locals, states, float constants, + - *, and " + PrimitiveList);
                        return null;
                }
            }

            private CellValue? Combine(OpKind op, CellValue? a, CellValue? b)
                => a is null || b is null ? null : _b.Combine(op, a.Value, b.Value);

            private CellValue? Identifier(IdentifierNameSyntax id)
            {
                string name = id.Identifier.ValueText;
                if (_locals.TryGetValue(name, out var local)) { local.Reads++; return local.Node < 0 ? null : CellValue.OfNode(local.Node); }
                int k = _states.IndexOf(name);
                if (k >= 0)
                {
                    if (_stateAssigned[k]) return _stateNode[k] < 0 ? null : CellValue.OfNode(_stateNode[k]);
                    return CellValue.OfNode(_b.PreviousState(k));
                }
                if (name == _input)
                {
                    return CellValue.OfNode(_b.Input());
                }
                if (_declaredLater.Contains(name)) Report(DiagnosticDescriptors.UsedBeforeAssignment, id, name);
                else Report(DiagnosticDescriptors.UnsupportedExpression, id, name, "only locals declared in Step, the input and the ref states can be read");
                return null;
            }

            private CellValue? Invocation(InvocationExpressionSyntax inv)
            {
                string? method = inv.Expression switch
                {
                    IdentifierNameSyntax i => i.Identifier.ValueText,
                    MemberAccessExpressionSyntax { Name: IdentifierNameSyntax n, Expression: var owner } when owner.ToString().EndsWith("CellOps", StringComparison.Ordinal) => n.Identifier.ValueText,
                    _ => null,
                };
                if (method is null || Array.IndexOf(Primitives, method) < 0)
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, inv, FirstLine(inv), "only the cell operations " + PrimitiveAlternatives + " can be called");
                    return null;
                }
                var args = Arguments(inv, method);
                if (args is null) return null;

                if (Ops.Call(method) is { } activation)
                {
                    var v = Operand(args, "v", inv, method);
                    return v is null ? null : CellValue.OfNode(_b.Activation(activation.Kind, v.Value));
                }
                switch (method)
                {
                    case "W":
                    case "P":
                    {
                        var v = Operand(args, "v", inv, method);
                        if (v is null) return null;
                        if (!ParamName(args, out var name)) return null;
                        string tag = Tag(args["v"], v.Value);
                        return CellValue.OfNode(method == "W" ? _b.Dense(v.Value, name, tag, _target) : _b.Diag(v.Value, name, tag, _target));
                    }
                    case "B":
                    {
                        float init = 0f;
                        if (args.TryGetValue("init", out var ie))
                        {
                            var c = Eval(ie);
                            if (c is null) return null;
                            if (!c.Value.IsConst) { Report(DiagnosticDescriptors.ConstantRequired, ie, ie.ToString()); return null; }
                            init = c.Value.Const;
                        }
                        if (!ParamName(args, out var name)) return null;
                        return CellValue.OfNode(_b.Bias(init, name, _target));
                    }
                    case "Linear":
                    {
                        if (!args.TryGetValue("a", out var ae)) { Report(DiagnosticDescriptors.UnsupportedExpression, inv, FirstLine(inv), "Linear needs its diagonal constant a: Linear(1f, v)"); return null; }
                        var a = Eval(ae);
                        if (a is null) return null;
                        if (!a.Value.IsConst) { Report(DiagnosticDescriptors.ConstantRequired, ae, ae.ToString()); return null; }
                        var v = Operand(args, "v", inv, method);
                        if (v is null) return null;
                        string tag = Tag(args["v"], v.Value);
                        if (!ParamName(args, out var name)) return null;
                        return CellValue.OfNode(_b.Linear(a.Value.Const, v.Value, name, tag, _target));
                    }
                }
                return null;
            }

            /// <summary>Arguments by parameter name, positional or named. Null (with a diagnostic) when they do not fit.</summary>
            private Dictionary<string, ExpressionSyntax>? Arguments(InvocationExpressionSyntax inv, string method)
            {
                string[] names = method switch
                {
                    "W" or "P" => new[] { "v", "name" },
                    "B" => new[] { "init", "name" },
                    "Linear" => new[] { "a", "v", "name" },
                    _ => new[] { "v" },
                };
                var result = new Dictionary<string, ExpressionSyntax>(StringComparer.Ordinal);
                var list = inv.ArgumentList.Arguments;
                for (int i = 0; i < list.Count; i++)
                {
                    var arg = list[i];
                    string? name = arg.NameColon?.Name.Identifier.ValueText ?? (i < names.Length ? names[i] : null);
                    if (name is null || Array.IndexOf(names, name) < 0 || result.ContainsKey(name) || !arg.RefKindKeyword.IsKind(SyntaxKind.None))
                    {
                        Report(DiagnosticDescriptors.UnsupportedExpression, arg, arg.ToString(), $"{method} takes ({string.Join(", ", names)})");
                        return null;
                    }
                    result[name] = arg.Expression;
                }
                return result;
            }

            private int? Operand(Dictionary<string, ExpressionSyntax> args, string key, InvocationExpressionSyntax inv, string method)
            {
                if (!args.TryGetValue(key, out var e)) { Report(DiagnosticDescriptors.UnsupportedExpression, inv, FirstLine(inv), $"{method} needs a value to act on"); return null; }
                var v = Eval(e);
                if (v is null) return null;
                if (v.Value.IsConst) { Report(DiagnosticDescriptors.UnsupportedExpression, e, e.ToString(), $"{method} of a constant is a constant; write the value itself"); return null; }
                return v.Value.Node;
            }

            /// <summary>The explicit name of an operation's parameter, claimed from the builder; null for an implicit one.
            /// False (with a diagnostic) when the name is not a string literal, not an identifier, or taken.</summary>
            private bool ParamName(Dictionary<string, ExpressionSyntax> args, out string? name)
            {
                name = null;
                if (!args.TryGetValue("name", out var ne)) return true;
                if (ne is LiteralExpressionSyntax lit && lit.IsKind(SyntaxKind.NullLiteralExpression)) return true;
                if (ne is not LiteralExpressionSyntax s || !s.IsKind(SyntaxKind.StringLiteralExpression))
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, ne, ne.ToString(), "a parameter name must be a string literal");
                    return false;
                }
                switch (_b.ClaimName(s.Token.ValueText))
                {
                    case NameClaim.Invalid: Report(DiagnosticDescriptors.InvalidParameterName, ne, s.Token.ValueText); return false;
                    case NameClaim.Duplicate: Report(DiagnosticDescriptors.DuplicateParameterName, ne, s.Token.ValueText, _className); return false;
                }
                name = s.Token.ValueText;
                return true;
            }

            /// <summary>A short readable tag for a projected operand: its local or state name, or the names it combines (r*h → rh).</summary>
            private string Tag(ExpressionSyntax e, int node)
            {
                if (e is IdentifierNameSyntax id) return _b.Tag(node, id.Identifier.ValueText);
                var ids = e.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                    .Where(i => !(i.Parent is InvocationExpressionSyntax inv && inv.Expression == i) && !(i.Parent is MemberAccessExpressionSyntax))
                    .Select(i => i.Identifier.ValueText).ToList();
                return _b.Tag(node, ids.Count == 0 ? "v" : string.Concat(ids));
            }
        }
    }
}
