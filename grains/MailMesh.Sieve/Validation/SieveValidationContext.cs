namespace MailMesh.Sieve.Validation;

/// <summary>What definitions see while validating: the required extensions, limits, and where to report problems.</summary>
public sealed class SieveValidationContext
{
    private readonly List<SieveDiagnostic> _diagnostics;
    private readonly HashSet<string> _required = new(StringComparer.OrdinalIgnoreCase);

    internal SieveValidationContext(SieveLanguage language, SieveLimits limits, List<SieveDiagnostic> diagnostics, string? scriptName)
    {
        Language = language;
        Limits = limits;
        _diagnostics = diagnostics;
        ScriptName = scriptName;
    }

    /// <summary>The language (commands, tests, capabilities).</summary>
    public SieveLanguage Language { get; }

    /// <summary>The limits in force.</summary>
    public SieveLimits Limits { get; }

    /// <summary>The name of the script being validated.</summary>
    public string? ScriptName { get; }

    /// <summary>The capabilities named in <c>require</c>.</summary>
    public IReadOnlyCollection<string> Required => _required;

    /// <summary>True when <paramref name="extension"/> was required.</summary>
    public bool IsRequired(string extension) => _required.Contains(extension);

    internal void AddRequired(string extension) => _required.Add(extension);

    /// <summary>How many errors have been reported so far.</summary>
    public int ErrorCount => _diagnostics.Count(d => d.Severity == SieveDiagnosticSeverity.Error);

    /// <summary>Reports an error.</summary>
    public void Error(SourcePosition position, string message) =>
        _diagnostics.Add(new SieveDiagnostic(SieveDiagnosticSeverity.Error, position, message, ScriptName));

    /// <summary>Reports a warning.</summary>
    public void Warning(SourcePosition position, string message) =>
        _diagnostics.Add(new SieveDiagnostic(SieveDiagnosticSeverity.Warning, position, message, ScriptName));
}
