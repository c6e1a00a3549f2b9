using System.Text;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve;

/// <summary>Parses and validates scripts. Thread-safe; reuse one per language and limits.</summary>
public sealed class SieveCompiler
{
    /// <summary>Creates a compiler for <paramref name="language"/> (default: every built-in extension) and <paramref name="limits"/>.</summary>
    public SieveCompiler(SieveLanguage? language = null, SieveLimits? limits = null)
    {
        Language = language ?? SieveLanguage.CreateDefault();
        Limits = limits ?? new SieveLimits();
    }

    /// <summary>The language scripts are checked against.</summary>
    public SieveLanguage Language { get; }

    /// <summary>The limits in force.</summary>
    public SieveLimits Limits { get; }

    /// <summary>Compiles <paramref name="source"/>, collecting every error instead of throwing.</summary>
    public SieveCompilation Compile(string source, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var diagnostics = new List<SieveDiagnostic>();
        var size = Encoding.UTF8.GetByteCount(source);
        if (size > Limits.MaxScriptSize)
        {
            diagnostics.Add(new SieveDiagnostic(SieveDiagnosticSeverity.Error, new SourcePosition(1, 1),
                $"the script is {size} bytes, more than the limit of {Limits.MaxScriptSize} bytes", name));
            return new SieveCompilation(null, diagnostics);
        }

        var commands = SieveParser.Parse(source, diagnostics, name, Limits.MaxNesting);
        var context = new SieveValidationContext(Language, Limits, diagnostics, name);
        new SieveValidator(context).Validate(commands);
        var ordered = diagnostics.OrderBy(d => d.Position.Line).ThenBy(d => d.Position.Column).ToList();
        if (ordered.Exists(d => d.Severity == SieveDiagnosticSeverity.Error))
        {
            return new SieveCompilation(null, ordered);
        }

        var warnings = ordered.Where(d => d.Severity == SieveDiagnosticSeverity.Warning).ToList();
        return new SieveCompilation(new SieveScript(name, commands, context.Required.ToList(), warnings, Language), ordered);
    }

    /// <summary>Compiles <paramref name="source"/>; throws <see cref="SieveParseException"/> listing every error.</summary>
    public SieveScript CompileOrThrow(string source, string? name = null)
    {
        var compilation = Compile(source, name);
        return compilation.Script ?? throw new SieveParseException(compilation.Diagnostics);
    }
}
