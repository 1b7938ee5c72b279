using Microsoft.CodeAnalysis;

namespace CellDsl.Generator.Diagnostics
{
    /// <summary>Every diagnostic the generator reports. Keep in sync with docs/diagnostics.md.</summary>
    public static class DiagnosticDescriptors
    {
        private const string Category = "CellDsl";
        private const string HelpRoot = "docs/diagnostics.md#";

        private static DiagnosticDescriptor Error(string id, string title, string message)
            => new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpRoot + id.ToLowerInvariant());

        public static readonly DiagnosticDescriptor NotPartial = Error("CDSL0001",
            "Cell class must be partial", "Cell class '{0}' must be declared partial so the generator can add its constructor, Forward and Backward");

        public static readonly DiagnosticDescriptor MissingStep = Error("CDSL0002",
            "Cell has no Step method", "Cell class '{0}' needs a method 'static void Step(Var x, ref Var h, ...)' that declares its equations");

        public static readonly DiagnosticDescriptor MalformedStep = Error("CDSL0003",
            "Step method is malformed", "Step of cell '{0}' is malformed: {1}");

        public static readonly DiagnosticDescriptor BadParameter = Error("CDSL0004",
            "Step parameter has the wrong type", "Parameter '{0}' of Step must be {1}");

        public static readonly DiagnosticDescriptor UnsupportedStatement = Error("CDSL0005",
            "Statement not supported in a cell", "'{0}' is not supported in a cell's Step: write 'var name = expression;' and 'state = expression;' only");

        public static readonly DiagnosticDescriptor UnsupportedExpression = Error("CDSL0006",
            "Expression not supported in a cell", "'{0}' is not supported in a cell equation: {1}");

        public static readonly DiagnosticDescriptor StateNeverAssigned = Error("CDSL0007",
            "State never assigned", "State '{0}' is never assigned in Step: every ref parameter must receive its next value (write '{0} = ...;')");

        public static readonly DiagnosticDescriptor StateAssignedTwice = Error("CDSL0008",
            "State assigned twice", "State '{0}' is assigned more than once: assign each state exactly once (use a local for intermediate values)");

        public static readonly DiagnosticDescriptor UsedBeforeAssignment = Error("CDSL0009",
            "Local used before assignment", "'{0}' is used before it is assigned: move its declaration above this use");

        public static readonly DiagnosticDescriptor UnusedValue = new DiagnosticDescriptor("CDSL0010",
            "Value computed and never used", "The value of '{0}' is computed but never used by any state: it adds parameters but no effect",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpRoot + "cdsl0010");

        public static readonly DiagnosticDescriptor DuplicateParameterName = Error("CDSL0011",
            "Parameter name used twice", "Parameter name '{0}' is used more than once in cell '{1}': every W, B, P and Linear needs its own name");

        public static readonly DiagnosticDescriptor InvalidParameterName = Error("CDSL0012",
            "Invalid parameter name", "'{0}' is not a valid parameter name: use a letter or '_' followed by letters, digits or '_'");

        public static readonly DiagnosticDescriptor UnsupportedClassShape = Error("CDSL0013",
            "Cell class shape not supported", "Cell class '{0}' {1}");

        public static readonly DiagnosticDescriptor OutputMisuse = Error("CDSL0014",
            "[Output] misused", "[Output] {0}");

        public static readonly DiagnosticDescriptor InvalidCell = Error("CDSL0015",
            "Cell cannot be compiled", "Cell '{0}' cannot be compiled: {1}");

        public static readonly DiagnosticDescriptor ConstantRequired = Error("CDSL0016",
            "Constant required", "'{0}' must be a float constant (written as a literal such as 1f or 0.5f)");

        public static readonly DiagnosticDescriptor ShadowedOperation = new DiagnosticDescriptor("CDSL0017",
            "Member named like a cell operation", "'{0}' declared in '{1}' hides the cell operation {0} in Step of cell '{2}': C# calls this member, but the generator reads the DSL's {0}; rename the member or write CellOps.{0}",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpRoot + "cdsl0017");

        public static readonly DiagnosticDescriptor InternalError = Error("CDSL0099",
            "Generator internal error", "The CellDsl generator failed on '{0}': {1}. Please report this together with the declaration.");

        public static DiagnosticDescriptor? ById(string id) => id switch
        {
            "CDSL0001" => NotPartial,
            "CDSL0002" => MissingStep,
            "CDSL0003" => MalformedStep,
            "CDSL0004" => BadParameter,
            "CDSL0005" => UnsupportedStatement,
            "CDSL0006" => UnsupportedExpression,
            "CDSL0007" => StateNeverAssigned,
            "CDSL0008" => StateAssignedTwice,
            "CDSL0009" => UsedBeforeAssignment,
            "CDSL0010" => UnusedValue,
            "CDSL0011" => DuplicateParameterName,
            "CDSL0012" => InvalidParameterName,
            "CDSL0013" => UnsupportedClassShape,
            "CDSL0014" => OutputMisuse,
            "CDSL0015" => InvalidCell,
            "CDSL0016" => ConstantRequired,
            "CDSL0017" => ShadowedOperation,
            "CDSL0099" => InternalError,
            _ => null,
        };
    }
}
