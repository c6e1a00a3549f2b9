namespace MailMesh.Protocols.Pop3;

/// <summary>STAT: how many messages the maildrop holds and their total size.</summary>
public readonly record struct Pop3Stat(int Count, long Size);

/// <summary>One LIST entry: message number and size in octets.</summary>
public readonly record struct Pop3MessageInfo(int Number, long Size);

/// <summary>One UIDL entry: message number and its unique id (stable across sessions).</summary>
public readonly record struct Pop3MessageUid(int Number, string Uid);

/// <summary>Receives messages retrieved in a pipelined batch.</summary>
public interface IPop3RetrieveSink
{
    /// <summary>Where message <paramref name="number"/>'s bytes go (dot-unstuffed, CRLF line ends as sent).</summary>
    ValueTask<Stream> OpenAsync(int number, CancellationToken cancellationToken);

    /// <summary>Called once the message is complete with the number of bytes written. The client never disposes the stream.</summary>
    ValueTask CompletedAsync(int number, Stream stream, long length, CancellationToken cancellationToken);
}

/// <summary>Where and how a <see cref="Pop3Client"/> connects, and its limits.</summary>
public sealed class Pop3ClientOptions
{
    /// <summary>The server host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>The port; 0 means 995 for implicit TLS and 110 otherwise.</summary>
    public int Port { get; init; }

    /// <summary>How the connection is secured (STARTTLS means STLS).</summary>
    public TlsMode Tls { get; init; } = TlsMode.Implicit;

    /// <summary>Certificate trust and TLS versions.</summary>
    public MailTlsOptions TlsOptions { get; init; } = new();

    /// <summary>The limit for TCP connect plus TLS handshake plus greeting.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the client waits for the server's next bytes before giving up on the connection.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many commands may be outstanding when the server offers PIPELINING.</summary>
    public int MaxPipelinedCommands { get; init; } = 16;

    /// <summary>The read buffer size.</summary>
    public int ReadBufferSize { get; init; } = 64 * 1024;

    /// <summary>The socket receive buffer.</summary>
    public int SocketBufferSize { get; init; } = 1024 * 1024;

    /// <summary>The longest status or list line accepted (RFC 1939 allows 512; real servers are looser).</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>The clock used for timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal int EffectivePort => Port != 0 ? Port : Tls == TlsMode.Implicit ? 995 : 110;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Pop3ClientOptions.Host is not set; give the POP3 server's host name.", nameof(Host));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Pop3ClientOptions.Port {Port} is not a TCP port (1-65535, or 0 for the default).", nameof(Port));
        }

        if (MaxPipelinedCommands < 1 || ReadBufferSize < 1024 || MaxLineLength < 512)
        {
            throw new ArgumentException("Pop3ClientOptions: MaxPipelinedCommands must be at least 1, ReadBufferSize at least 1024 and MaxLineLength at least 512 bytes.");
        }
    }
}
