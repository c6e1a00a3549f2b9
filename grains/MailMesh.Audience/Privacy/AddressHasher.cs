using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Audience.Privacy;

/// <summary>The keyed hash that stands for an erased address on a tenant's block list: HMAC-SHA256 of the normalized
/// address under a per-tenant key (HMAC-SHA256 of the tenant name under the secret). Without the secret, the hash
/// neither reveals the address nor can be checked against a guessed one (docs/adr/audience-05-gdpr-erase.md).</summary>
public sealed class AddressHasher
{
    /// <summary>Shortest secret accepted, in bytes.</summary>
    public const int MinKeyBytes = 32;

    private readonly byte[] _secret;
    private readonly ConcurrentDictionary<string, byte[]> _tenantKeys = new(StringComparer.Ordinal);

    /// <summary>Uses <paramref name="secret"/> (at least <see cref="MinKeyBytes"/> bytes).</summary>
    public AddressHasher(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinKeyBytes)
        {
            throw new ArgumentException($"the erasure key has {secret.Length} bytes; it needs at least {MinKeyBytes}.", nameof(secret));
        }

        _secret = [.. secret];
    }

    /// <summary>The secret from <see cref="AudienceOptions.ErasureKey"/> (base64), or else from the key file
    /// <see cref="AudienceOptions.ErasureKeyPath"/>, which is created with a random key (mode 0600) when missing.</summary>
    public static AddressHasher FromOptions(AudienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ErasureKey))
        {
            return new AddressHasher(Decode(options.ErasureKey, "Audience:ErasureKey (MAILMESH__AUDIENCE__ERASUREKEY)"));
        }

        var path = options.ErasureKeyPath ?? throw new InvalidOperationException("Audience:ErasureKeyPath is not set.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path))
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinKeyBytes));
            try
            {
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var file = new StreamWriter(path, Encoding.ASCII, create);
                file.Write(key);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }

        return new AddressHasher(Decode(File.ReadAllText(path).Trim(), $"the erasure key file {path}"));
    }

    /// <summary>The lower-case hex hash of <paramref name="normalizedAddress"/> in <paramref name="tenant"/>.</summary>
    public string Hash(string tenant, string normalizedAddress)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(normalizedAddress);
        var key = _tenantKeys.GetOrAdd(tenant, static (t, secret) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("mailmesh-erasure:" + t)), _secret);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(normalizedAddress)));
    }

    private static byte[] Decode(string base64, string where)
    {
        try
        {
            var key = Convert.FromBase64String(base64);
            return key.Length >= MinKeyBytes
                ? key
                : throw new InvalidOperationException($"{where} holds {key.Length} bytes; it needs at least {MinKeyBytes} (e.g. `openssl rand -base64 32`).");
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"{where} is not base64; set it to at least {MinKeyBytes} random bytes in base64 (e.g. `openssl rand -base64 32`).", e);
        }
    }
}
