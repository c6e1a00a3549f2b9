namespace MailMesh.Sieve;

/// <summary>
/// Thrown when running a compiled script fails (a limit was exceeded, a regex timed out, an include
/// is missing, conflicting actions). The interpreter catches it and falls back to implicit keep;
/// it only escapes from APIs documented to throw it.
/// </summary>
public sealed class SieveRuntimeException : Exception
{
    /// <summary>Creates the exception for a failure at a script position.</summary>
    public SieveRuntimeException(string message, SourcePosition position, string? scriptName = null)
        : base(message)
    {
        Position = position;
        ScriptName = scriptName;
    }

    /// <summary>Creates the exception with a message.</summary>
    public SieveRuntimeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public SieveRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SieveRuntimeException()
        : base("The Sieve script failed at run time.")
    {
    }

    /// <summary>Where in the script the failure happened, when known.</summary>
    public SourcePosition? Position { get; init; }

    /// <summary>The script that failed (the main script or an included one).</summary>
    public string? ScriptName { get; init; }
}
