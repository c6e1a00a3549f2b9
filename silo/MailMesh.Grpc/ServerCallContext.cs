using MailMesh.Grpc.Internal;
using Microsoft.AspNetCore.Http;

namespace MailMesh.Grpc;

/// <summary>What a handler knows about the call it serves: method, metadata, deadline and cancellation.</summary>
public sealed class ServerCallContext
{
    private readonly GrpcCall _call;

    internal ServerCallContext(GrpcCall call, string method, Metadata requestHeaders, DateTimeOffset? deadline)
    {
        _call = call;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
    }

    /// <summary>The full method path, e.g. <c>/mailmesh.v1.Mailboxes/Get</c>.</summary>
    public string Method { get; }

    /// <summary>The client's custom metadata (reserved HTTP/2 and gRPC headers are left out).</summary>
    public Metadata RequestHeaders { get; }

    /// <summary>Headers to send before the first response message; ignored once they are sent.</summary>
    public Metadata ResponseHeaders { get; } = new();

    /// <summary>Trailers to send with the final status.</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>The deadline from <c>grpc-timeout</c>, or null when the client set none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the deadline expires or the client goes away.</summary>
    public CancellationToken CancellationToken => _call.CallCancelled;

    /// <summary>The remote address and port.</summary>
    public string Peer => _call.HttpContext.Connection.RemoteIpAddress is { } ip
        ? $"{ip}:{_call.HttpContext.Connection.RemotePort}"
        : "unknown";

    /// <summary>The underlying ASP.NET Core context (for services such as authentication).</summary>
    public HttpContext HttpContext => _call.HttpContext;

    /// <summary>
    /// The encoding of this call's response messages, <c>gzip</c> or <c>deflate</c>, or null to send
    /// them uncompressed. Starts as <see cref="GrpcServerOptions.ResponseCompressionAlgorithm"/>; a
    /// handler may change it before the first message (e.g. null for data that is already compressed).
    /// It applies only when the client lists it in <c>grpc-accept-encoding</c>, and only to messages of
    /// at least <see cref="GrpcServerOptions.ResponseCompressionMinSize"/> bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not gzip, deflate, identity or null.</exception>
    /// <exception cref="InvalidOperationException">The response headers were already sent.</exception>
    public string? ResponseCompressionAlgorithm
    {
        get => _call.ResponseCompressionAlgorithm;
        set => _call.ResponseCompressionAlgorithm = value;
    }

    /// <summary>Sends <see cref="ResponseHeaders"/> now, before any message.</summary>
    public Task WriteResponseHeadersAsync() => _call.WriteResponseHeadersAsync(CancellationToken);
}
