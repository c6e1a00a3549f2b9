using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailMesh.Protocols.Internal;

/// <summary>Validates a server certificate: the system's rules, plus the explicit trust in <see cref="MailTlsOptions"/>.</summary>
internal sealed class CertificateTrust
{
    private readonly HashSet<string> _thumbprints;
    private readonly X509Certificate2Collection _trusted;

    public CertificateTrust(MailTlsOptions options)
    {
        _thumbprints = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var thumbprint in options.TrustedCertificateThumbprints)
        {
            _thumbprints.Add(Normalize(thumbprint));
        }

        _trusted = options.TrustedCertificates;
    }

    /// <summary>The reason for the last rejection, for the error message.</summary>
    public string? LastRejection { get; private set; }

    public static string Normalize(string thumbprint) =>
        thumbprint.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    public bool Validate(string targetHost, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null)
        {
            LastRejection = "the server sent no certificate";
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        if (_thumbprints.Count > 0)
        {
            var sha256 = Convert.ToHexString(leaf.GetCertHash(HashAlgorithmName.SHA256));
            if (_thumbprints.Contains(sha256) || _thumbprints.Contains(leaf.Thumbprint))
            {
                return true;
            }
        }

        foreach (var trusted in _trusted)
        {
            if (trusted.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
            {
                return true;
            }
        }

        if (_trusted.Count > 0 && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ChainsToTrustedAnchor(leaf, chain))
        {
            return true;
        }

        LastRejection = $"the certificate of '{targetHost}' (subject '{leaf.Subject}', SHA-256 {Convert.ToHexString(leaf.GetCertHash(HashAlgorithmName.SHA256))}) " +
            $"is not trusted ({errors}); trust it explicitly with MailTlsOptions.TrustedCertificateThumbprints or TrustedCertificates";
        return false;
    }

    private bool ChainsToTrustedAnchor(X509Certificate2 leaf, X509Chain? serverChain)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        if (serverChain is not null)
        {
            foreach (var element in serverChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}
