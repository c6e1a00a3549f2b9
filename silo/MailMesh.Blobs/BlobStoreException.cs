namespace MailMesh.Blobs;

/// <summary>A blob store operation failed.</summary>
public class BlobStoreException : IOException
{
    /// <summary>Creates the exception.</summary>
    public BlobStoreException(string message, bool isTransient, int? statusCode = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        IsTransient = isTransient;
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>Whether trying again later may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>The HTTP status of a remote store, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>The remote store's error code (e.g. <c>AuthenticationFailed</c>).</summary>
    public string? ErrorCode { get; }
}

/// <summary>A blob's content does not match its stored MD5: it was corrupted at rest or in transit.</summary>
public sealed class BlobIntegrityException(string name, byte[] expectedMd5, byte[] actualMd5)
    : BlobStoreException(
        $"Blob '{name}' failed its integrity check: stored MD5 {Convert.ToHexStringLower(expectedMd5)}, content MD5 {Convert.ToHexStringLower(actualMd5)}.",
        isTransient: false)
{
    /// <summary>The blob.</summary>
    public string Name { get; } = name;
}
