using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Dkim;

/// <summary>DKIM keys per signing domain (configuration section <c>Campaigns:Dkim</c>).</summary>
public sealed class DkimOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Campaigns:Dkim";

    /// <summary>One entry per signing domain (and selector).</summary>
    public List<DkimKeyOptions> Keys { get; set; } = [];

    /// <summary>Refuse to compose mail whose From domain has no key (default: send it unsigned).</summary>
    public bool Required { get; set; }
}

/// <summary>One signing key.</summary>
public sealed class DkimKeyOptions
{
    /// <summary>The signing domain (<c>d=</c>); mail whose From domain is this domain or a subdomain of it is signed.</summary>
    public string? Domain { get; set; }

    /// <summary>The selector (<c>s=</c>): the key is published at <c>{selector}._domainkey.{domain}</c>.</summary>
    public string? Selector { get; set; }

    /// <summary>The private key in PEM (RSA or Ed25519), e.g. from a secret mounted as an environment variable.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>A file holding the PEM private key, e.g. a mounted secret (used when <see cref="PrivateKey"/> is unset).</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>The PEM text, from <see cref="PrivateKey"/> or <see cref="PrivateKeyFile"/>.</summary>
    internal string? Pem() => PrivateKey ?? (PrivateKeyFile is { Length: > 0 } path && File.Exists(path) ? File.ReadAllText(path) : null);
}

/// <summary>The signers of the configured keys, found by From domain. Thread-safe.</summary>
public sealed class DkimSignerSet
{
    private readonly Dictionary<string, DkimSigner> _byDomain;

    /// <summary>A set over <paramref name="signers"/> (one per domain; the last wins).</summary>
    public DkimSignerSet(IEnumerable<DkimSigner> signers, bool required = false)
    {
        ArgumentNullException.ThrowIfNull(signers);
        _byDomain = new Dictionary<string, DkimSigner>(StringComparer.OrdinalIgnoreCase);
        foreach (var signer in signers)
        {
            _byDomain[signer.Domain] = signer;
        }

        Required = required;
    }

    /// <summary>Whether mail from a domain without a key is refused.</summary>
    public bool Required { get; }

    /// <summary>The signers, by domain.</summary>
    public IReadOnlyCollection<DkimSigner> Signers => _byDomain.Values;

    /// <summary>The signers described by <paramref name="options"/> (validated).</summary>
    public static DkimSignerSet From(DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DkimSignerSet(options.Keys.Select(k => new DkimSigner(k.Domain!, k.Selector!, DkimKey.FromPem(k.Pem()!))), options.Required);
    }

    /// <summary>The signer for mail from <paramref name="fromDomain"/>: its own domain's key, else the closest parent
    /// domain's (still aligned for DMARC in relaxed mode); null when none.</summary>
    public DkimSigner? Find(string fromDomain)
    {
        ArgumentNullException.ThrowIfNull(fromDomain);
        var domain = fromDomain.TrimEnd('.');
        while (domain.Length > 0)
        {
            if (_byDomain.TryGetValue(domain, out var signer))
            {
                return signer;
            }

            var dot = domain.IndexOf('.', StringComparison.Ordinal);
            domain = dot < 0 ? string.Empty : domain[(dot + 1)..];
        }

        return null;
    }
}

/// <summary>Checks <see cref="DkimOptions"/> at start-up: every key has a domain, a selector and a readable PEM key.</summary>
public sealed class DkimOptionsValidator : IValidateOptions<DkimOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var at = $"Campaigns:Dkim:Keys:{i}";
            var pem = key.PrivateKey is null && key.PrivateKeyFile is { Length: > 0 } file && !File.Exists(file) ? null : key.Pem();
            if (pem is null)
            {
                problems.Add(key.PrivateKeyFile is { Length: > 0 }
                    ? $"{at}:PrivateKeyFile '{key.PrivateKeyFile}' does not exist."
                    : $"{at} has no key: set {at}:PrivateKey to the PEM text or {at}:PrivateKeyFile to a file holding it (MAILMESH__CAMPAIGNS__DKIM__KEYS__{i}__PRIVATEKEY).");
                continue;
            }

            try
            {
                using var dkimKey = DkimKey.FromPem(pem);
                _ = new DkimSigner(key.Domain ?? string.Empty, key.Selector ?? string.Empty, dkimKey);
            }
            catch (ArgumentException e)
            {
                problems.Add($"{at} ({key.Domain}): {e.Message}");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
