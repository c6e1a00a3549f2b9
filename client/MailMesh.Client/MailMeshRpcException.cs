namespace MailMesh.Client;

/// <summary>A call ended with a non-OK gRPC status.</summary>
public sealed class MailMeshRpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MailMeshRpcException(StatusCode statusCode, string detail, CallMetadata? trailers = null, Exception? innerException = null)
        : base($"{statusCode}: {detail}", innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
        Trailers = trailers ?? new CallMetadata();
    }

    /// <summary>The status code.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The server's status message (decoded).</summary>
    public string Detail { get; }

    /// <summary>The response trailers (or, for a trailers-only response, its headers).</summary>
    public CallMetadata Trailers { get; }

    /// <summary>Whether retrying the call later may succeed (UNAVAILABLE).</summary>
    public bool IsTransient => StatusCode == StatusCode.Unavailable;
}
