using System.Formats.Asn1;
using System.Security.Cryptography;

namespace MailMesh.Campaigns.Dkim;

/// <summary>A DKIM signing algorithm.</summary>
public enum DkimAlgorithm
{
    /// <summary><c>rsa-sha256</c> (RFC 6376).</summary>
    RsaSha256 = 0,

    /// <summary><c>ed25519-sha256</c> (RFC 8463).</summary>
    Ed25519Sha256 = 1,
}

/// <summary>A DKIM private key: RSA (PKCS#1 or PKCS#8 PEM, at least 1,024 bits) or Ed25519 (PKCS#8 PEM, as
/// <c>openssl genpkey -algorithm ed25519</c> writes it). Thread-safe.</summary>
public sealed class DkimKey : IDisposable
{
    private const string Ed25519Oid = "1.3.101.112";
    private const string RsaOid = "1.2.840.113549.1.1.1";

    private readonly RSA? _rsa;
    private readonly IEd25519Signer? _ed25519;

    private DkimKey(RSA rsa)
    {
        _rsa = rsa;
        Algorithm = DkimAlgorithm.RsaSha256;
    }

    private DkimKey(IEd25519Signer ed25519)
    {
        _ed25519 = ed25519;
        Algorithm = DkimAlgorithm.Ed25519Sha256;
    }

    /// <summary>How Ed25519 keys sign on this machine: <c>"libsodium"</c> (about 20 µs a signature), else
    /// <c>"openssl (…why not libsodium…)"</c> (the system libcrypto, about 50-60 µs), else <c>"managed (…why neither…)"</c>
    /// (the portable fallback, a few milliseconds a signature).</summary>
    public static string Ed25519Implementation =>
        SodiumEd25519.IsAvailable ? "libsodium"
        : OpenSslEd25519.IsAvailable ? $"openssl ({SodiumEd25519.UnavailableReason})"
        : $"managed ({SodiumEd25519.UnavailableReason}; {OpenSslEd25519.UnavailableReason})";

    /// <summary>Which algorithm the key signs with.</summary>
    public DkimAlgorithm Algorithm { get; }

    /// <summary>The <c>a=</c> tag value.</summary>
    public string AlgorithmTag => Algorithm == DkimAlgorithm.RsaSha256 ? "rsa-sha256" : "ed25519-sha256";

    /// <summary>The DNS TXT record to publish at <c>{selector}._domainkey.{domain}</c>.</summary>
    public string DnsRecord => Algorithm == DkimAlgorithm.RsaSha256
        ? "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(_rsa!.ExportSubjectPublicKeyInfo())
        : "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(_ed25519!.PublicKey);

    /// <summary>Reads a PEM private key.</summary>
    /// <exception cref="ArgumentException">It is not an RSA or Ed25519 private key in PEM, or the RSA key is shorter than
    /// 1,024 bits; the message says which.</exception>
    public static DkimKey FromPem(string pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new ArgumentException("the DKIM key is not PEM (expected '-----BEGIN PRIVATE KEY-----' or '-----BEGIN RSA PRIVATE KEY-----').", nameof(pem));
        }

        var label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        try
        {
            if (label == "RSA PRIVATE KEY")
            {
                var rsa = RSA.Create();
                rsa.ImportRSAPrivateKey(der, out _);
                return Rsa(rsa);
            }

            if (label != "PRIVATE KEY")
            {
                throw new ArgumentException($"the DKIM key is a '{label}'; a private key ('PRIVATE KEY' or 'RSA PRIVATE KEY') is needed.", nameof(pem));
            }

            var (oid, privateKey) = ReadPkcs8(der);
            switch (oid)
            {
                case RsaOid:
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(der, out _);
                    return Rsa(rsa);
                case Ed25519Oid:
                    var seed = new AsnReader(privateKey, AsnEncodingRules.DER).ReadOctetString();
                    return FromEd25519Seed(seed);
                default:
                    throw new ArgumentException($"the DKIM key's algorithm {oid} is neither RSA nor Ed25519.", nameof(pem));
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new ArgumentException($"the DKIM key cannot be read: {e.Message}", nameof(pem), e);
        }
    }

    /// <summary>An Ed25519 key from its 32-byte seed, signed by the fastest implementation this platform offers
    /// (<see cref="Ed25519Implementation"/>).</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public static DkimKey FromEd25519Seed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"an Ed25519 DKIM private key is 32 bytes, not {seed.Length}.", nameof(seed));
        }

        return new DkimKey(
            SodiumEd25519.IsAvailable ? SodiumEd25519.Create(seed)
            : OpenSslEd25519.IsAvailable ? OpenSslEd25519.Create(seed)
            : new Ed25519(seed));
    }

    /// <summary>An Ed25519 key signed by the system OpenSSL whatever else the platform offers (for comparisons).</summary>
    /// <exception cref="PlatformNotSupportedException">The system libcrypto is unavailable.</exception>
    internal static DkimKey OpenSslEd25519FromSeed(ReadOnlySpan<byte> seed) => new(OpenSslEd25519.Create(seed));

    /// <summary>An Ed25519 key signed by the managed implementation whatever the platform offers (for comparisons).</summary>
    internal static DkimKey ManagedEd25519FromSeed(ReadOnlySpan<byte> seed) => new(new Ed25519(seed));

    /// <summary>The length of a signature in bytes (the RSA modulus size, or 64 for Ed25519).</summary>
    internal int SignatureLength => Algorithm == DkimAlgorithm.RsaSha256 ? (_rsa!.KeySize + 7) / 8 : 64;

    /// <summary>The signature of <paramref name="data"/> (the canonicalized headers).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signature = new byte[SignatureLength];
        var length = Sign(data, signature);
        return length == signature.Length ? signature : signature[..length];
    }

    /// <summary>Writes the signature of <paramref name="data"/> to <paramref name="signature"/> (at least
    /// <see cref="SignatureLength"/> bytes) and returns its length.</summary>
    internal int Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (Algorithm == DkimAlgorithm.RsaSha256)
        {
            return _rsa!.TrySignData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, out var written)
                ? written
                : throw new CryptographicException($"the RSA signature does not fit in {signature.Length} bytes.");
        }

        // RFC 8463: Ed25519 signs the SHA-256 hash of the data.
        Span<byte> hash = stackalloc byte[32];
        OpenSslSha256.Hash(data, hash);
        _ed25519!.Sign(hash, signature);
        return 64;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ed25519?.Dispose();
    }

    private static DkimKey Rsa(RSA rsa)
    {
        if (rsa.KeySize < 1024)
        {
            var size = rsa.KeySize;
            rsa.Dispose();
            throw new ArgumentException($"the RSA DKIM key has {size} bits; at least 1024 are required (2048 recommended).", "pem");
        }

        return new DkimKey(rsa);
    }

    private static (string Oid, byte[] PrivateKey) ReadPkcs8(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        reader.ReadInteger();
        var algorithm = reader.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        return (oid, reader.ReadOctetString());
    }
}
