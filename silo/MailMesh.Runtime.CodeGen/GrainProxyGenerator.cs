using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace MailMesh.Runtime.CodeGen;

/// <summary>Generates, for every grain interface declared in the compilation, a typed proxy, one request
/// class per method (its invoker) and a module initializer that registers them with the runtime.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class GrainProxyGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var interfaces = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is InterfaceDeclarationSyntax { BaseList: not null },
                static (ctx, ct) => GrainInterfaceModel.TryCreate(ctx, ct))
            .Where(static m => m is not null);

        context.RegisterSourceOutput(interfaces, static (spc, model) =>
        {
            foreach (var diagnostic in model!.Diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            if (model.Source is not null)
            {
                spc.AddSource(model.HintName, SourceText.From(model.Source, System.Text.Encoding.UTF8));
            }
        });
    }
}

/// <summary>A diagnostic kept as plain data so models compare by value (incremental caching).</summary>
internal sealed class DiagnosticInfo : System.IEquatable<DiagnosticInfo>
{
    public DiagnosticInfo(DiagnosticDescriptor descriptor, Location? location, string argument)
    {
        Descriptor = descriptor;
        Argument = argument;
        if (location is not null && location.IsInSource)
        {
            FilePath = location.SourceTree!.FilePath;
            Span = location.SourceSpan;
            LineSpan = location.GetLineSpan().Span;
        }
    }

    public DiagnosticDescriptor Descriptor { get; }

    public string Argument { get; }

    public string? FilePath { get; }

    public TextSpan Span { get; }

    public LinePositionSpan LineSpan { get; }

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan), Argument);

    public bool Equals(DiagnosticInfo? other) =>
        other is not null && other.Descriptor.Id == Descriptor.Id && other.Argument == Argument && other.FilePath == FilePath && other.Span == Span;

    public override bool Equals(object? obj) => Equals(obj as DiagnosticInfo);

    public override int GetHashCode() => (Descriptor.Id, Argument, FilePath, Span).GetHashCode();
}

internal static class GeneratorDiagnostics
{
    public static readonly DiagnosticDescriptor BadReturnType = new(
        "MMRT001", "Grain method must return a task",
        "Grain method '{0}' must return Task, Task<T>, ValueTask or ValueTask<T>",
        "MailMesh.Runtime", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Unsupported = new(
        "MMRT002", "Unsupported grain interface member",
        "Grain interface member '{0}' is not supported: only non-generic methods with by-value parameters are allowed",
        "MailMesh.Runtime", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Inaccessible = new(
        "MMRT003", "Grain interface is not accessible",
        "Grain interface '{0}' must be public or internal (and not nested in a private type, nor generic) to get a proxy",
        "MailMesh.Runtime", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor IdCollision = new(
        "MMRT004", "Grain method id collision",
        "Grain methods '{0}' have the same id; rename one of them",
        "MailMesh.Runtime", DiagnosticSeverity.Error, isEnabledByDefault: true);
}

/// <summary>The generated source of one grain interface, plus its diagnostics.</summary>
internal sealed class GrainInterfaceModel : System.IEquatable<GrainInterfaceModel>
{
    private GrainInterfaceModel(string hintName, string? source, ImmutableArray<DiagnosticInfo> diagnostics)
    {
        HintName = hintName;
        Source = source;
        Diagnostics = diagnostics;
    }

    public string HintName { get; }

    public string? Source { get; }

    public ImmutableArray<DiagnosticInfo> Diagnostics { get; }

    public static GrainInterfaceModel? TryCreate(GeneratorSyntaxContext ctx, System.Threading.CancellationToken ct)
    {
        if (ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct) is not INamedTypeSymbol symbol || !SymbolFacts.IsGrainInterface(symbol))
        {
            return null;
        }

        // Partial interfaces: generate once, from the first declaration.
        if (symbol.DeclaringSyntaxReferences.Length > 1 && symbol.DeclaringSyntaxReferences[0].GetSyntax(ct) != ctx.Node)
        {
            return null;
        }

        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var hint = SymbolFacts.Identifier(symbol) + ".g.cs";
        if (!SymbolFacts.IsAccessible(symbol) || symbol.IsGenericType)
        {
            diagnostics.Add(new DiagnosticInfo(GeneratorDiagnostics.Inaccessible, symbol.Locations.FirstOrDefault(), symbol.ToDisplayString()));
            return new GrainInterfaceModel(hint, null, diagnostics.ToImmutable());
        }

        var source = SourceWriter.Write(symbol, diagnostics, ct);
        return new GrainInterfaceModel(hint, diagnostics.Count == 0 ? source : null, diagnostics.ToImmutable());
    }

    public bool Equals(GrainInterfaceModel? other) =>
        other is not null && other.HintName == HintName && other.Source == Source && other.Diagnostics.SequenceEqual(Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as GrainInterfaceModel);

    public override int GetHashCode() => (HintName, Source).GetHashCode();
}
