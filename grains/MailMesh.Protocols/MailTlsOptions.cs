using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MailMesh.Protocols;

/// <summary>
/// TLS settings shared by the IMAP and POP3 clients. Certificate validation is always on; a
/// self-signed or privately issued server certificate is accepted only when trusted explicitly here.
/// </summary>
public sealed class MailTlsOptions
{
    /// <summary>
    /// Hex thumbprints (SHA-256, or SHA-1 for older tooling; case and ':' separators ignored) of server
    /// certificates to accept even though they do not chain to a trusted root or name another host.
    /// </summary>
    public IList<string> TrustedCertificateThumbprints { get; } = new List<string>();

    /// <summary>
    /// Certificates to trust: a server certificate equal to one of these is accepted, and these act as
    /// extra trust anchors (a private CA) for chain building with the host name still checked.
    /// </summary>
    public X509Certificate2Collection TrustedCertificates { get; } = [];

    /// <summary>Name checked against the server certificate and sent as SNI; defaults to the host.</summary>
    public string? TargetHost { get; set; }

    /// <summary>TLS versions to allow; <see cref="SslProtocols.None"/> lets the operating system choose.</summary>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.None;

    /// <summary>Whether to check revocation online (off by default: mail servers on private networks rarely publish CRLs).</summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.NoCheck;
}
