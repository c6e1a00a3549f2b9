namespace MailMesh.Grpc;

/// <summary>
/// Thrown by a handler (or by the transport) to end a call with a gRPC status. The detail is
/// sent to the client as <c>grpc-message</c>, so it must not contain internals.
/// </summary>
public class RpcException : Exception
{
    /// <summary>Creates an exception that ends the call with <paramref name="statusCode"/>.</summary>
    public RpcException(StatusCode statusCode, string detail, Metadata? trailers = null)
        : base(detail)
    {
        if (statusCode == StatusCode.OK)
        {
            throw new ArgumentException("An RpcException cannot carry status OK.", nameof(statusCode));
        }

        StatusCode = statusCode;
        Detail = detail;
        Trailers = trailers ?? new Metadata();
    }

    /// <summary>The status code sent as <c>grpc-status</c>.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The text sent as <c>grpc-message</c>.</summary>
    public string Detail { get; }

    /// <summary>Extra trailers sent with the status.</summary>
    public Metadata Trailers { get; }
}

/// <summary>Ends a call with INVALID_ARGUMENT, naming the offending field.</summary>
public sealed class InvalidArgumentException : RpcException
{
    /// <summary>Creates the exception for <paramref name="field"/> (a proto field path such as <c>mailbox.address</c>).</summary>
    public InvalidArgumentException(string field, string problem)
        : base(StatusCode.InvalidArgument, $"invalid {field}: {problem}")
    {
        Field = field;
    }

    /// <summary>The proto field path that was wrong.</summary>
    public string Field { get; }
}
