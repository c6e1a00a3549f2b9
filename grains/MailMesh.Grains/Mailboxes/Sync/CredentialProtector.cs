using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>A secret encrypted with AES-256-GCM: key id, 12-byte nonce, ciphertext and 16-byte tag (all base64
/// in state). The mailbox's grain key is the associated data, so a ciphertext copied to another mailbox does not
/// decrypt.</summary>
/// <param name="KeyId">Which key encrypted it.</param>
/// <param name="Nonce">Base64 nonce.</param>
/// <param name="Ciphertext">Base64 ciphertext followed by the tag.</param>
public sealed record EncryptedSecret(string KeyId, string Nonce, string Ciphertext);

/// <summary>Encrypts and decrypts source credentials with the configured key (<c>Mailboxes:CredentialKey</c>).</summary>
public sealed class CredentialProtector
{
    private const int TagSize = 16;
    private readonly string _currentId;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    /// <summary>Creates the protector from validated options.</summary>
    public CredentialProtector(IOptions<MailboxSyncOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _currentId = o.CredentialKeyId;
        _keys[_currentId] = Convert.FromBase64String(o.CredentialKey ?? throw new InvalidOperationException("Mailboxes:CredentialKey is not set."));
        foreach (var (id, key) in o.RetiredCredentialKeys)
        {
            _keys.TryAdd(id, Convert.FromBase64String(key));
        }
    }

    /// <summary>Encrypts <paramref name="secret"/> for the mailbox <paramref name="grainKey"/>.</summary>
    public EncryptedSecret Protect(string secret, string grainKey)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var output = new byte[plain.Length + TagSize];
        using (var aes = new AesGcm(_keys[_currentId], TagSize))
        {
            aes.Encrypt(nonce, plain, output.AsSpan(0, plain.Length), output.AsSpan(plain.Length), Encoding.UTF8.GetBytes(grainKey));
        }

        CryptographicOperations.ZeroMemory(plain);
        return new EncryptedSecret(_currentId, Convert.ToBase64String(nonce), Convert.ToBase64String(output));
    }

    /// <summary>Decrypts a secret of the mailbox <paramref name="grainKey"/>.</summary>
    /// <exception cref="CryptographicException">The key id is unknown, or the data or mailbox do not match.</exception>
    public string Unprotect(EncryptedSecret secret, string grainKey)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!_keys.TryGetValue(secret.KeyId, out var key))
        {
            throw new CryptographicException(
                $"The credential of '{grainKey}' was encrypted with key '{secret.KeyId}', which is neither Mailboxes:CredentialKeyId nor in Mailboxes:RetiredCredentialKeys.");
        }

        var data = Convert.FromBase64String(secret.Ciphertext);
        var plain = new byte[data.Length - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(Convert.FromBase64String(secret.Nonce), data.AsSpan(0, plain.Length), data.AsSpan(plain.Length), plain, Encoding.UTF8.GetBytes(grainKey));
        return Encoding.UTF8.GetString(plain);
    }

    internal static string? CheckKey(string? base64, string setting, string? environmentVariable)
    {
        var how = environmentVariable is null ? "" : $" (or {environmentVariable})";
        if (string.IsNullOrWhiteSpace(base64))
        {
            return $"{setting} is not set; set it{how} to 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`.";
        }

        var bytes = new byte[64];
        return Convert.TryFromBase64String(base64.Trim(), bytes, out var length) && length == 32
            ? null
            : $"{setting} must be 32 bytes in base64 (an AES-256 key){how}; generate one with `openssl rand -base64 32`.";
    }
}
