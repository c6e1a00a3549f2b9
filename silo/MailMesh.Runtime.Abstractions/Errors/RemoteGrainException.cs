namespace MailMesh.Runtime;

/// <summary>Stands for an exception thrown by a grain whose type could not be recreated on the caller's
/// side. Carries the original type name, message and stack trace.</summary>
public sealed class RemoteGrainException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RemoteGrainException(string originalTypeName, string message, string? remoteStackTrace)
        : base($"{originalTypeName}: {message}")
    {
        OriginalTypeName = originalTypeName;
        OriginalMessage = message;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>Full name of the exception type the grain threw.</summary>
    public string OriginalTypeName { get; }

    /// <summary>Its message.</summary>
    public string OriginalMessage { get; }

    /// <summary>Its stack trace inside the grain.</summary>
    public string? RemoteStackTrace { get; }
}
