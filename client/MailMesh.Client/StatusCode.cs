namespace MailMesh.Client;

/// <summary>The gRPC status codes, with their wire values.</summary>
public enum StatusCode
{
    /// <summary>Not an error.</summary>
    OK = 0,
    /// <summary>Cancelled, typically by the caller.</summary>
    Cancelled = 1,
    /// <summary>Unknown error.</summary>
    Unknown = 2,
    /// <summary>A request field is invalid; the message names it.</summary>
    InvalidArgument = 3,
    /// <summary>The deadline expired.</summary>
    DeadlineExceeded = 4,
    /// <summary>Not found.</summary>
    NotFound = 5,
    /// <summary>Already exists.</summary>
    AlreadyExists = 6,
    /// <summary>The key lacks the scope or tenant needed.</summary>
    PermissionDenied = 7,
    /// <summary>A limit was hit (message size, subscriber buffer).</summary>
    ResourceExhausted = 8,
    /// <summary>The system is not in the required state.</summary>
    FailedPrecondition = 9,
    /// <summary>Aborted by a concurrency conflict.</summary>
    Aborted = 10,
    /// <summary>Out of range.</summary>
    OutOfRange = 11,
    /// <summary>The server does not implement the method.</summary>
    Unimplemented = 12,
    /// <summary>An internal error.</summary>
    Internal = 13,
    /// <summary>Unavailable; retrying with backoff may succeed.</summary>
    Unavailable = 14,
    /// <summary>Data loss.</summary>
    DataLoss = 15,
    /// <summary>Missing, invalid or revoked API key.</summary>
    Unauthenticated = 16,
}
