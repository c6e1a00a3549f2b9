using MailMesh.Protocols;

namespace MailMesh.Grains.Rules;

/// <summary>Rules settings (configuration section <c>Rules</c>).</summary>
public sealed class RulesOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Rules";

    /// <summary>The submission server for redirects and vacation replies; without a host, rules that send mail fail
    /// (<c>rule.failed</c>) and the message is kept.</summary>
    public SmtpSubmissionOptions Smtp { get; set; } = new();

    /// <summary>Sender Rewriting Scheme for redirects (<c>Rules:Srs</c>); without a secret redirects go out from the
    /// mailbox's own address.</summary>
    public MailMesh.Rules.Replies.SrsOptions Srs { get; set; } = new();

    /// <summary>SpamAssassin's spamd; without a host spamtest uses the built-in heuristic scorer.</summary>
    public SpamdSettings Spamd { get; set; } = new();

    /// <summary>How long decisions are kept for crash recovery.</summary>
    public TimeSpan DecisionRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most this many decisions are kept (oldest dropped first).</summary>
    public int MaxDecisions { get; set; } = 20_000;

    /// <summary>Largest message evaluated; larger ones are kept without running the script (<c>rule.failed</c>).</summary>
    public long MaxMessageSize { get; set; } = 64L * 1024 * 1024;
}

/// <summary>Where rules send mail.</summary>
public sealed class SmtpSubmissionOptions
{
    /// <summary>Host; empty disables sending.</summary>
    public string? Host { get; set; }

    /// <summary>Port (0: 587, or 465 with implicit TLS).</summary>
    public int Port { get; set; }

    /// <summary>TLS mode.</summary>
    public TlsMode Tls { get; set; } = TlsMode.StartTls;

    /// <summary>Login (optional).</summary>
    public string? UserName { get; set; }

    /// <summary>Password (with <see cref="UserName"/>).</summary>
    public string? Password { get; set; }

    /// <summary>EHLO name.</summary>
    public string LocalDomain { get; set; } = "localhost";

    /// <summary>SHA-256 thumbprint of a private server certificate to trust.</summary>
    public string? TrustedCertificateThumbprint { get; set; }
}

/// <summary>spamd settings.</summary>
public sealed class SpamdSettings
{
    /// <summary>Host; empty uses the built-in heuristic scorer.</summary>
    public string? Host { get; set; }

    /// <summary>Port.</summary>
    public int Port { get; set; } = 783;

    /// <summary>Per-check timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
