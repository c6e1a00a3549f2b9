namespace MailMesh.Runtime;

/// <summary>A state write carried an ETag that no longer matches the stored one: another writer changed
/// the state since it was read. The write did not happen.</summary>
public sealed class InconsistentStateException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public InconsistentStateException(string stateName, GrainId grain, string? expectedETag, string? storedETag)
        : base($"Stale write of state '{stateName}' of {grain}: expected ETag '{expectedETag ?? "(none)"}' but the store has " +
               $"'{storedETag ?? "(none)"}'. Another writer changed it; re-read the state and retry.")
    {
        StateName = stateName;
        Grain = grain;
        ExpectedETag = expectedETag;
        StoredETag = storedETag;
    }

    /// <summary>The state's name.</summary>
    public string StateName { get; }

    /// <summary>The grain that owns it.</summary>
    public GrainId Grain { get; }

    /// <summary>The ETag the writer held.</summary>
    public string? ExpectedETag { get; }

    /// <summary>The ETag in the store (null when no row exists).</summary>
    public string? StoredETag { get; }
}
