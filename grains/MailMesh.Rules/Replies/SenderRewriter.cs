using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Rules.Replies;

/// <summary>Settings of the Sender Rewriting Scheme (configuration <c>Rules:Srs</c>).</summary>
public sealed class SrsOptions
{
    /// <summary>Rewrite envelope senders of redirected mail (default on when a secret is set).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The forwarding domain the rewritten addresses belong to (bounces to it must reach MailMesh or a reverser);
    /// empty: the domain of the mailbox that redirects.</summary>
    public string? Domain { get; set; }

    /// <summary>HMAC keys: the first signs, every one is accepted when reversing (so a key can be rotated).</summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>How many days a rewritten address stays valid for bounces (1-1023).</summary>
    public int MaxAgeDays { get; set; } = 21;

    /// <summary>Characters of the base64 HMAC kept in an address (4-27).</summary>
    public int HashLength { get; set; } = 4;

    /// <summary>Sender domains that need no rewriting (besides <see cref="Domain"/> and the mailbox's own domain).</summary>
    public List<string> LocalDomains { get; set; } = [];
}

/// <summary>A rewritten address that cannot be reversed: malformed, forged (hash) or too old (timestamp).</summary>
public sealed class SrsException(string message) : FormatException(message);

/// <summary>
/// The Sender Rewriting Scheme as Shevek's libsrs2 and PostSRSd write it, so their reversers and ours are interchangeable:
/// <c>SRS0=HHHH=TT=domain=local@forwarder</c> with HHHH the first characters of base64(HMAC-SHA1(secret, lowercase(TT +
/// domain + local))) and TT the day number modulo 1024 in two base32 characters; an address that is already SRS0 of
/// another forwarder becomes <c>SRS1=HHHH=first-forwarder==rest@forwarder</c> (hash over the first forwarder and
/// <c>=rest</c>), so a chain of forwarders stays one hop long to reverse.
/// </summary>
public sealed class SenderRewriter
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int TimestampCycle = 1024;
    private readonly SrsOptions _options;
    private readonly byte[][] _keys;

    /// <summary>Creates a rewriter; at least one secret is needed.</summary>
    /// <exception cref="ArgumentException">No secret, or a length or age out of range (the message says which setting).</exception>
    public SenderRewriter(SrsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var secrets = options.Secrets.Where(s => !string.IsNullOrEmpty(s)).ToList();
        if (secrets.Count == 0)
        {
            throw new ArgumentException("Rules:Srs:Secrets is empty: set at least one secret (Rules:Srs:Secrets:0) to rewrite senders of redirected mail.", nameof(options));
        }

        if (options.HashLength is < 4 or > 27)
        {
            throw new ArgumentException($"Rules:Srs:HashLength is {options.HashLength}; it must be 4-27.", nameof(options));
        }

        if (options.MaxAgeDays is < 1 or >= TimestampCycle)
        {
            throw new ArgumentException($"Rules:Srs:MaxAgeDays is {options.MaxAgeDays}; it must be 1-{TimestampCycle - 1}.", nameof(options));
        }

        _options = options;
        _keys = secrets.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The envelope sender to use when <paramref name="forwarderDomain"/> forwards mail whose envelope sender was
    /// <paramref name="sender"/>: unchanged when it is empty (a bounce) or already of a local domain, else rewritten.</summary>
    /// <exception cref="ArgumentException"><paramref name="sender"/> has no '@' or an empty part.</exception>
    public string Forward(string sender, string forwarderDomain, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentException.ThrowIfNullOrEmpty(forwarderDomain);
        if (sender.Length == 0)
        {
            return sender;
        }

        var (local, domain) = Split(sender, "sender");
        if (IsLocal(domain, forwarderDomain))
        {
            return sender;
        }

        var at = "@" + forwarderDomain;
        if (Prefixed(local, "SRS0") && local.Length > 5 && IsSeparator(local[4]))
        {
            // SRS0 of another forwarder: guard it in an SRS1 naming that forwarder.
            var rest = local[4..];
            return "SRS1=" + Hash(_keys[0], domain, rest) + "=" + domain + "=" + rest + at;
        }

        if (Prefixed(local, "SRS1") && local.Length > 5 && IsSeparator(local[4]))
        {
            // Already SRS1: keep the first forwarder, sign again for this hop.
            var parts = local[5..].Split('=', 3);
            if (parts.Length == 3 && parts[1].Length > 0)
            {
                var rest = parts[2];
                return "SRS1=" + Hash(_keys[0], parts[1], rest) + "=" + parts[1] + "=" + rest + at;
            }
        }

        var stamp = Timestamp(now);
        return "SRS0=" + Hash(_keys[0], stamp, domain, local) + "=" + stamp + "=" + domain + "=" + local + at;
    }

    /// <summary>The address a rewritten one stands for (SRS0: the original sender; SRS1: the SRS0 address at the first
    /// forwarder), after checking the hash and, for SRS0, the age.</summary>
    /// <exception cref="SrsException">Not an SRS address, a hash that does not match, or an expired or future timestamp.</exception>
    public string Reverse(string address, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (local, _) = Split(address, "address");
        if (local.Length > 5 && Prefixed(local, "SRS1") && IsSeparator(local[4]))
        {
            var parts = local[5..].Split('=', 3);
            if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length < 2 || parts[2][0] != '=')
            {
                throw new SrsException($"'{address}' is not a valid SRS1 address: expected SRS1=hash=host==rest@domain.");
            }

            var rest = parts[2];
            Check(address, parts[0], parts[1], rest);
            return "SRS0" + rest + "@" + parts[1];
        }

        if (local.Length > 5 && Prefixed(local, "SRS0") && IsSeparator(local[4]))
        {
            var parts = local[5..].Split('=', 4);
            if (parts.Length != 4 || parts[1].Length != 2 || parts[2].Length == 0 || parts[3].Length == 0)
            {
                throw new SrsException($"'{address}' is not a valid SRS0 address: expected SRS0=hash=tt=domain=local@forwarder.");
            }

            Check(address, parts[0], parts[1], parts[2], parts[3]);
            CheckAge(address, parts[1], now);
            return parts[3] + "@" + parts[2];
        }

        throw new SrsException($"'{address}' is not an SRS address (its local part starts with neither SRS0= nor SRS1=).");
    }

    /// <summary>True when <paramref name="address"/> looks like an SRS address (SRS0 or SRS1), without checking it.</summary>
    public static bool IsSrs(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Length > 5 && (Prefixed(address, "SRS0") || Prefixed(address, "SRS1")) && IsSeparator(address[4]);
    }

    /// <summary>The two-character day stamp of <paramref name="now"/>.</summary>
    public static string Timestamp(DateTimeOffset now)
    {
        var day = (int)(now.ToUnixTimeSeconds() / 86_400 % TimestampCycle);
        return new string([Base32[(day >> 5) & 31], Base32[day & 31]]);
    }

    private bool IsLocal(string domain, string forwarderDomain) =>
        domain.Equals(forwarderDomain, StringComparison.OrdinalIgnoreCase)
        || (_options.Domain is { Length: > 0 } own && domain.Equals(own, StringComparison.OrdinalIgnoreCase))
        || _options.LocalDomains.Exists(d => d.Equals(domain, StringComparison.OrdinalIgnoreCase));

    private void Check(string address, string hash, params string[] data)
    {
        if (hash.Length < 4)
        {
            throw new SrsException($"'{address}' carries a {hash.Length}-character hash; at least 4 are needed.");
        }

        foreach (var key in _keys)
        {
            var expected = Hash(key, data);
            var length = Math.Min(hash.Length, expected.Length);
            // Compared without case, as libsrs2 does: some relays lower-case whole addresses.
            if (hash.Length <= expected.Length && string.Equals(expected[..length], hash, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        throw new SrsException($"'{address}' has a hash that none of the configured secrets produces: it was not made here, or was changed.");
    }

    private void CheckAge(string address, string stamp, DateTimeOffset now)
    {
        var then = 0;
        foreach (var c in stamp.ToUpperInvariant())
        {
            var value = Base32.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new SrsException($"'{address}' has the timestamp '{stamp}', which is not two base32 characters.");
            }

            then = (then << 5) | value;
        }

        var today = (int)(now.ToUnixTimeSeconds() / 86_400 % TimestampCycle);
        var age = (today - then + TimestampCycle) % TimestampCycle;
        if (age > _options.MaxAgeDays)
        {
            throw new SrsException($"'{address}' was made {age} days ago (or is from the future); it is valid for {_options.MaxAgeDays} days (Rules:Srs:MaxAgeDays).");
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "SRS is defined over HMAC-SHA1; other forwarders' reversers (libsrs2, PostSRSd) check exactly that.")]
    private string Hash(byte[] key, params string[] data)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(data).ToLowerInvariant());
        return Convert.ToBase64String(HMACSHA1.HashData(key, bytes))[.._options.HashLength];
    }

    private static (string Local, string Domain) Split(string address, string what)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            throw new ArgumentException($"the {what} '{address}' is not an address of the form local@domain.", what);
        }

        return (address[..at], address[(at + 1)..]);
    }

    private static bool Prefixed(string text, string prefix) => text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

    private static bool IsSeparator(char c) => c is '=' or '+' or '-';
}
