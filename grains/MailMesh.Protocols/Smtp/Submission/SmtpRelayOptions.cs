using Microsoft.Extensions.Options;

namespace MailMesh.Protocols.Smtp;

/// <summary>How the pool logs in to the relay.</summary>
public enum SmtpRelayAuth
{
    /// <summary>PLAIN when offered, else LOGIN; no login when <see cref="SmtpRelayOptions.User"/> is empty.</summary>
    Auto,

    /// <summary>AUTH PLAIN.</summary>
    Plain,

    /// <summary>AUTH LOGIN.</summary>
    Login,

    /// <summary>AUTH XOAUTH2; <see cref="SmtpRelayOptions.Password"/> holds the OAuth 2.0 access token.</summary>
    XOAuth2,
}

/// <summary>The relay the campaign mail goes through and the pool's limits (configuration section <c>Campaigns:Relay</c>).</summary>
public sealed class SmtpRelayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Campaigns:Relay";

    /// <summary>The relay's host name or address.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Port; 0 picks 465 for implicit TLS and 587 otherwise.</summary>
    public int Port { get; set; }

    /// <summary>None, StartTls (default, required) or Implicit.</summary>
    public TlsMode Tls { get; set; } = TlsMode.StartTls;

    /// <summary>SHA-256 (or SHA-1) thumbprints of relay certificates to trust although they do not chain to a trusted root.</summary>
    public List<string> TrustedCertificateThumbprints { get; set; } = [];

    /// <summary>A PEM file of certificates to trust (a private CA, or the relay's own certificate); the host name is still checked.</summary>
    public string? TrustedCertificateFile { get; set; }

    /// <summary>The name checked against the relay certificate when it differs from <see cref="Host"/>.</summary>
    public string? TlsTargetHost { get; set; }

    /// <summary>The login name; empty for no AUTH.</summary>
    public string? User { get; set; }

    /// <summary>The password (or access token with <see cref="SmtpRelayAuth.XOAuth2"/>).</summary>
    public string? Password { get; set; }

    /// <summary>The SASL mechanism.</summary>
    public SmtpRelayAuth Auth { get; set; } = SmtpRelayAuth.Auto;

    /// <summary>The name given in EHLO.</summary>
    public string LocalDomain { get; set; } = "localhost";

    /// <summary>Most connections open to the relay at once (default 4).</summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>Messages sent over one connection before it is closed with QUIT and replaced (default 100).</summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>An unused connection is closed after this long (default 30 s).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>TCP connect, TLS, greeting, EHLO and AUTH (default 30 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Each command's reply (default 2 min; a stalled relay defers the recipients after this).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The reply after the message data (default 10 min, RFC 5321 4.5.3.2.6).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Use BDAT when the relay offers CHUNKING (default true).</summary>
    public bool UseChunking { get; set; } = true;

    /// <summary>Replies from the relay are handled on the runtime's socket event thread, up to the next write (default true;
    /// docs/adr/protocols-03-relay-replies-on-the-socket-thread.md): one thread woken per reply instead of two. Receivers of
    /// <see cref="IMailSubmitter.Submit"/> are then called on that thread, so they must return quickly; turn this off when
    /// one cannot.</summary>
    public bool RepliesOnSocketThread { get; set; } = true;

    /// <summary>Retry scheduling of deferred recipients (<c>Campaigns:Relay:Deferral</c>), used by <see cref="DeferralPolicy"/>.</summary>
    public DeferralPolicyOptions Deferral { get; set; } = new();

    /// <summary>The relay as host:port.</summary>
    public string Relay => $"{Host}:{(Port != 0 ? Port : Tls == TlsMode.Implicit ? 465 : 587)}";

    /// <summary>Every problem with these settings, each naming its key; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        const string S = SectionName + ":";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add($"{S}Host is empty; set the relay's host name or address.");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"{S}Port {Port} is not a TCP port (1-65535, or 0 for 587/465).");
        }

        if (!Enum.IsDefined(Tls))
        {
            errors.Add($"{S}Tls '{Tls}' is not one of None, StartTls, Implicit.");
        }

        if (string.IsNullOrWhiteSpace(LocalDomain) || LocalDomain.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add($"{S}LocalDomain '{LocalDomain}' must be a host name or address literal without spaces.");
        }

        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(User))
        {
            errors.Add($"{S}Password is set but {S}User is empty; set both or neither.");
        }

        if (Auth == SmtpRelayAuth.XOAuth2 && !string.IsNullOrEmpty(User) && string.IsNullOrEmpty(Password))
        {
            errors.Add($"{S}Auth is XOAuth2 but {S}Password (the access token) is empty.");
        }

        if (!string.IsNullOrEmpty(User) && Tls == TlsMode.None && !IsLoopback(Host))
        {
            errors.Add($"{S}User is set with {S}Tls None and the relay {Host} is not on this machine: the password would travel in clear text. Use StartTls or Implicit.");
        }

        if (TrustedCertificateFile is { Length: > 0 } file && !File.Exists(file))
        {
            errors.Add($"{S}TrustedCertificateFile '{file}' does not exist.");
        }

        Positive(errors, $"{S}MaxConnections", MaxConnections, 1000);
        Positive(errors, $"{S}MaxMessagesPerConnection", MaxMessagesPerConnection, 1_000_000);
        Duration(errors, $"{S}IdleTimeout", IdleTimeout);
        Duration(errors, $"{S}ConnectTimeout", ConnectTimeout);
        Duration(errors, $"{S}CommandTimeout", CommandTimeout);
        Duration(errors, $"{S}DataTimeout", DataTimeout);
        errors.AddRange(Deferral.Validate(S + "Deferral:"));
        return errors;
    }

    internal SmtpClientOptions ClientOptions(TimeProvider? timeProvider = null)
    {
        var tls = new MailTlsOptions { TargetHost = string.IsNullOrWhiteSpace(TlsTargetHost) ? null : TlsTargetHost };
        foreach (var thumbprint in TrustedCertificateThumbprints)
        {
            tls.TrustedCertificateThumbprints.Add(thumbprint);
        }

        if (TrustedCertificateFile is { Length: > 0 } file)
        {
            tls.TrustedCertificates.ImportFromPemFile(file);
        }

        return new SmtpClientOptions
        {
            Host = Host,
            Port = Port,
            Tls = Tls,
            TlsOptions = tls,
            LocalDomain = LocalDomain,
            ConnectTimeout = ConnectTimeout,
            CommandTimeout = CommandTimeout,
            DataTimeout = DataTimeout,
            UseChunking = UseChunking,
            TimeProvider = timeProvider ?? TimeProvider.System,
        };
    }

    private static void Positive(List<string> errors, string key, int value, int max)
    {
        if (value < 1 || value > max)
        {
            errors.Add($"{key} is {value}; it must be between 1 and {max}.");
        }
    }

    private static void Duration(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            errors.Add($"{key} is {value}; it must be positive and at most a day (format hh:mm:ss).");
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}

/// <summary>Checks <see cref="SmtpRelayOptions"/> at start-up.</summary>
internal sealed class SmtpRelayOptionsValidator : IValidateOptions<SmtpRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpRelayOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
