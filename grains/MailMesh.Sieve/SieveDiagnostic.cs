namespace MailMesh.Sieve;

/// <summary>How serious a <see cref="SieveDiagnostic"/> is.</summary>
public enum SieveDiagnosticSeverity
{
    /// <summary>The script is refused.</summary>
    Error,

    /// <summary>The script is accepted but probably not what was meant.</summary>
    Warning,
}

/// <summary>One problem found while compiling a script: where, and what was wrong or expected.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Position">Line and column of the offending token.</param>
/// <param name="Message">What was wrong, and what was expected.</param>
/// <param name="ScriptName">The script's name, when it has one (includes).</param>
public sealed record SieveDiagnostic(SieveDiagnosticSeverity Severity, SourcePosition Position, string Message, string? ScriptName = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{ScriptName ?? "script"}:{Position.Line}:{Position.Column}: {(Severity == SieveDiagnosticSeverity.Error ? "error" : "warning")}: {Message}";
}
