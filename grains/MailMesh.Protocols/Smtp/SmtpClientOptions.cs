namespace MailMesh.Protocols.Smtp;

/// <summary>Where and how an <see cref="SmtpClient"/> connects.</summary>
public sealed class SmtpClientOptions
{
    /// <summary>Server host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Port; 0 picks 465 for implicit TLS and 587 otherwise.</summary>
    public int Port { get; init; }

    /// <summary>How the connection is secured (default: STARTTLS, required).</summary>
    public TlsMode Tls { get; init; } = TlsMode.StartTls;

    /// <summary>Certificate trust settings.</summary>
    public MailTlsOptions TlsOptions { get; init; } = new();

    /// <summary>The name this client gives in EHLO (a host name, or an address literal such as <c>[127.0.0.1]</c>).</summary>
    public string LocalDomain { get; init; } = "localhost";

    /// <summary>Time allowed for TCP connect, TLS and the greeting.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for each reply (the final reply after DATA gets <see cref="DataTimeout"/>).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Time allowed for the reply to the end of message data (RFC 5321 section 4.5.3.2.6 suggests 10 minutes).</summary>
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest reply line accepted.</summary>
    public int MaxLineLength { get; init; } = 8 * 1024;

    /// <summary>Send messages with BDAT (RFC 3030) when the server offers CHUNKING (default true): no dot-stuffing, and with
    /// PIPELINING the whole transaction in one round trip.</summary>
    public bool UseChunking { get; init; } = true;

    /// <summary>The clock for timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The port actually used.</summary>
    public int EffectivePort => Port != 0 ? Port : Tls == TlsMode.Implicit ? 465 : 587;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("SmtpClientOptions.Host is empty; set the submission server's host name.", nameof(Host));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"SmtpClientOptions.Port {Port} is not a TCP port (1-65535, or 0 for the default).", nameof(Port));
        }

        if (string.IsNullOrWhiteSpace(LocalDomain) || LocalDomain.Any(c => c <= ' ' || c > '~'))
        {
            throw new ArgumentException($"SmtpClientOptions.LocalDomain '{LocalDomain}' must be a host name or address literal without spaces.", nameof(LocalDomain));
        }
    }
}

/// <summary>The SMTP envelope of one message.</summary>
/// <param name="From">The reverse path (MAIL FROM) without angle brackets; empty for the null path <c>&lt;&gt;</c>
/// (auto-replies and bounces, so that nothing ever answers them).</param>
/// <param name="Recipients">The forward paths (RCPT TO).</param>
public sealed record SmtpEnvelope(string From, IReadOnlyList<string> Recipients)
{
    /// <summary>DSN envelope id (RFC 3461 ENVID), sent only when the server offers DSN.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>DSN RET: true for headers only (HDRS), false for the full message (FULL), null to leave it to the server.</summary>
    public bool? ReturnHeadersOnly { get; init; }

    /// <summary>DSN NOTIFY for every recipient (with ORCPT=rfc822;address for ASCII addresses), sent only when the server
    /// offers DSN. <see cref="DsnNotify.Never"/> cannot be combined with the others.</summary>
    public DsnNotify Notify { get; init; }

    /// <summary>The message has non-ASCII headers (RFC 6532), so it needs SMTPUTF8 even with ASCII addresses.</summary>
    public bool RequiresSmtpUtf8 { get; init; }
}

/// <summary>What the server said about one sent message.</summary>
/// <param name="Accepted">Recipients the server accepted.</param>
/// <param name="Rejected">Recipients the server refused, with its reply.</param>
/// <param name="Reply">The final reply after the data (e.g. "250 2.0.0 Ok: queued as ...").</param>
public sealed record SmtpSendResult(IReadOnlyList<string> Accepted, IReadOnlyList<SmtpRejectedRecipient> Rejected, string Reply);

/// <summary>A recipient the server refused.</summary>
/// <param name="Address">The address.</param>
/// <param name="Code">The reply code (4xx: try later, 5xx: permanent).</param>
/// <param name="Text">The server's text.</param>
public sealed record SmtpRejectedRecipient(string Address, int Code, string Text);
