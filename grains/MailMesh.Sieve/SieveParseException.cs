namespace MailMesh.Sieve;

/// <summary>Thrown when a script fails to compile (lexical, syntax or validation errors); lists every error found.</summary>
public sealed class SieveParseException : Exception
{
    /// <summary>Creates the exception from the diagnostics of a failed compilation.</summary>
    public SieveParseException(IReadOnlyList<SieveDiagnostic> diagnostics)
        : base(BuildMessage(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Creates the exception with a single message (no position known).</summary>
    public SieveParseException(string message)
        : base(message)
    {
        Diagnostics = [new SieveDiagnostic(SieveDiagnosticSeverity.Error, new SourcePosition(1, 1), message)];
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public SieveParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = [new SieveDiagnostic(SieveDiagnosticSeverity.Error, new SourcePosition(1, 1), message)];
    }

    /// <summary>Creates an exception with a generic message.</summary>
    public SieveParseException()
        : this("The Sieve script failed to compile.")
    {
    }

    /// <summary>Every error and warning found, in script order.</summary>
    public IReadOnlyList<SieveDiagnostic> Diagnostics { get; }

    private static string BuildMessage(IReadOnlyList<SieveDiagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.Severity == SieveDiagnosticSeverity.Error).ToList();
        if (errors.Count == 0)
        {
            return "The Sieve script failed to compile.";
        }

        var first = errors[0].ToString();
        return errors.Count == 1 ? first : $"{first} (and {errors.Count - 1} more error(s))";
    }
}
