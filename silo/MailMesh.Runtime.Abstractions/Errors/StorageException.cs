namespace MailMesh.Runtime.Storage;

/// <summary>The store refused or failed an operation (disk full, read-only, unreachable, corrupted row).</summary>
public sealed class StorageException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StorageException(string message, bool isTransient, Exception? inner = null)
        : base(message, inner)
    {
        IsTransient = isTransient;
    }

    /// <summary>Whether retrying later may succeed (busy, unreachable) as opposed to a permanent fault.</summary>
    public bool IsTransient { get; }
}
