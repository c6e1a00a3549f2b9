namespace MailMesh.Client;

/// <summary>How a <see cref="GrpcChannel"/> connects.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>The API key secret, sent as <c>authorization: Bearer …</c> on every call.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Timeout for calls that set none; null for no default (streams usually want none).</summary>
    public TimeSpan? DefaultTimeout { get; init; }

    /// <summary>Largest response message accepted; default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>The HTTP handler to use; by default a <see cref="SocketsHttpHandler"/> with HTTP/2 keep-alive pings.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Whether to accept any TLS certificate (development with self-signed certificates only).</summary>
    public bool DangerousAcceptAnyServerCertificate { get; init; }

    /// <summary>Clock for timeouts and retry backoff.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
