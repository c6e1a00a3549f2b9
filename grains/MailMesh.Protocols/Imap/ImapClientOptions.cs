namespace MailMesh.Protocols.Imap;

/// <summary>Where and how an <see cref="ImapClient"/> connects, and its limits.</summary>
public sealed class ImapClientOptions
{
    /// <summary>The server host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>The port; 0 means 993 for implicit TLS and 143 otherwise.</summary>
    public int Port { get; init; }

    /// <summary>How the connection is secured.</summary>
    public TlsMode Tls { get; init; } = TlsMode.Implicit;

    /// <summary>Certificate trust and TLS versions.</summary>
    public MailTlsOptions TlsOptions { get; init; } = new();

    /// <summary>The limit for TCP connect plus TLS handshake plus greeting.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the client waits for the server's next response before giving up on the connection.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>IDLE is ended and re-issued after this long (RFC 2177: servers may drop idlers after 30 minutes).</summary>
    public TimeSpan IdleRefreshInterval { get; init; } = TimeSpan.FromMinutes(25);

    /// <summary>UIDs per UID FETCH command when a set is split into batches.</summary>
    public int FetchBatchSize { get; init; } = 1000;

    /// <summary>How many commands may be outstanding at once when pipelining.</summary>
    public int MaxPipelinedCommands { get; init; } = 8;

    /// <summary>The read buffer size; it grows up to <see cref="MaxLineLength"/> for one long token.</summary>
    public int ReadBufferSize { get; init; } = 128 * 1024;

    /// <summary>The socket receive buffer.</summary>
    public int SocketBufferSize { get; init; } = 1024 * 1024;

    /// <summary>The longest single token (atom, quoted string, in-memory literal) accepted.</summary>
    public int MaxLineLength { get; init; } = 1024 * 1024;

    /// <summary>The largest literal (message body) accepted; bigger announcements break the connection.</summary>
    public long MaxLiteralSize { get; init; } = 512L * 1024 * 1024;

    /// <summary>The deepest parenthesized list nesting accepted.</summary>
    public int MaxNestingDepth { get; init; } = 64;

    /// <summary>Sent with ID (RFC 2971) by <see cref="ImapClient.IdentifyAsync"/> when no other values are given.</summary>
    public IReadOnlyDictionary<string, string?> ClientId { get; init; } = new Dictionary<string, string?> { ["name"] = "MailMesh" };

    /// <summary>The clock used for timeouts and the IDLE refresh.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal int EffectivePort => Port != 0 ? Port : Tls == TlsMode.Implicit ? 993 : 143;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("ImapClientOptions.Host is not set; give the IMAP server's host name.", nameof(Host));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"ImapClientOptions.Port {Port} is not a TCP port (1-65535, or 0 for the default).", nameof(Port));
        }

        if (FetchBatchSize < 1 || MaxPipelinedCommands < 1 || ReadBufferSize < 1024 || MaxLineLength < 1024 || MaxLiteralSize < 1 || MaxNestingDepth < 1)
        {
            throw new ArgumentException("ImapClientOptions: FetchBatchSize, MaxPipelinedCommands, MaxLiteralSize and MaxNestingDepth must be at least 1, ReadBufferSize and MaxLineLength at least 1024 bytes.");
        }

        if (IdleRefreshInterval <= TimeSpan.Zero || IdleRefreshInterval >= TimeSpan.FromMinutes(29))
        {
            throw new ArgumentException($"ImapClientOptions.IdleRefreshInterval {IdleRefreshInterval} must be positive and under 29 minutes (servers may drop idle clients at 30).", nameof(IdleRefreshInterval));
        }
    }
}
