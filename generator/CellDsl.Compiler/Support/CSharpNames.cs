using System;
using System.Collections.Generic;

namespace CellDsl.Compiler
{
    /// <summary>Writing user-chosen names back as C# identifiers.</summary>
    public static class CSharpNames
    {
        private static readonly HashSet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
            "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
            "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
            "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
            "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
            "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
            "using", "virtual", "void", "volatile", "while",
        };

        public static bool IsReserved(string name) => Reserved.Contains(name);

        /// <summary>The name as an identifier: a reserved keyword gets C#'s verbatim prefix (the user wrote @class; the
        /// syntax tree hands us class).</summary>
        public static string Escape(string name) => Reserved.Contains(name) ? "@" + name : name;

        /// <summary>A type name with an optional type parameter list ("Outer&lt;T&gt;"): escapes the identifier part.</summary>
        public static string EscapeTypeName(string name)
        {
            int lt = name.IndexOf('<');
            return lt < 0 ? Escape(name) : Escape(name.Substring(0, lt)) + name.Substring(lt);
        }
    }
}
