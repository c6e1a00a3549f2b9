using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MailMesh.Runtime.CodeGen;

/// <summary>Questions about symbols that the generator asks.</summary>
internal static class SymbolFacts
{
    public const string RuntimeNamespace = "MailMesh.Runtime";

    public static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static bool IsGrainInterface(INamedTypeSymbol symbol) =>
        symbol.TypeKind == TypeKind.Interface && symbol.AllInterfaces.Any(IsStringKeyMarker);

    private static bool IsStringKeyMarker(INamedTypeSymbol i) =>
        i.Name == "IGrainWithStringKey" && i.ContainingNamespace.ToDisplayString() == RuntimeNamespace;

    public static bool IsRuntimeInterface(INamedTypeSymbol i) =>
        (i.Name == "IGrainWithStringKey" || i.Name == "IGrain") && i.ContainingNamespace.ToDisplayString() == RuntimeNamespace;

    public static bool IsAccessible(INamedTypeSymbol symbol)
    {
        for (ISymbol? s = symbol; s is INamedTypeSymbol t; s = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }

            if (!SymbolEqualityComparer.Default.Equals(t, symbol) && t.IsGenericType)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A C# identifier made from the type's full name.</summary>
    public static string Identifier(INamedTypeSymbol symbol)
    {
        var name = symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty);
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsLetterOrDigit(c) ? c : '_');
        }

        return sb.ToString();
    }

    public static bool HasAttribute(ISymbol symbol, string name) =>
        symbol.GetAttributes().Any(a => a.AttributeClass is { } c && c.Name == name && c.ContainingNamespace.ToDisplayString() == RuntimeNamespace);

    public static int TimeoutMilliseconds(IMethodSymbol method)
    {
        var attr = method.GetAttributes().FirstOrDefault(a => a.AttributeClass is { Name: "CallTimeoutAttribute" } c &&
                                                              c.ContainingNamespace.ToDisplayString() == RuntimeNamespace);
        return attr is { ConstructorArguments.Length: 1 } && attr.ConstructorArguments[0].Value is int ms ? ms : 0;
    }

    /// <summary>Whether values of <paramref name="type"/> are known at compile time never to change, so calls
    /// pass them without a copy.</summary>
    public static bool IsKnownImmutable(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return IsKnownImmutable(nullable.TypeArguments[0]);
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Char:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return true;
        }

        if (type is INamedTypeSymbol named && named.TypeKind == TypeKind.Interface && IsGrainInterface(named))
        {
            return true;
        }

        var full = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        switch (full)
        {
            case "global::System.DateTimeOffset":
            case "global::System.TimeSpan":
            case "global::System.Guid":
            case "global::System.DateOnly":
            case "global::System.TimeOnly":
            case "global::System.Threading.CancellationToken":
            case "global::MailMesh.Runtime.GrainId":
                return true;
        }

        return HasAttribute(type, "ImmutableAttribute");
    }

    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.AwaitKeyword
            ? "@" + name
            : name;

    /// <summary>FNV-1a hash of the signature: stable across builds and member order.</summary>
    public static int StableId(string signature)
    {
        unchecked
        {
            var hash = 2166136261u;
            foreach (var c in signature)
            {
                hash = (hash ^ c) * 16777619u;
            }

            return (int)hash;
        }
    }
}
