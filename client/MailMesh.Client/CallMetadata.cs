using System.Collections;

namespace MailMesh.Client;

/// <summary>
/// gRPC metadata as the client sends or receives it. Keys are lower-case; a key ending in
/// <c>-bin</c> carries bytes (base64 on the wire, see <see cref="GetBytes"/>).
/// </summary>
public sealed class CallMetadata : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _entries = [];

    /// <summary>Adds a text entry.</summary>
    public CallMetadata Add(string key, string value)
    {
        var k = CheckKey(key);
        if (k.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{key}' ends in -bin; pass a byte[] value.", nameof(key));
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException($"Metadata value for '{key}' has U+{(int)c:X4}; only printable ASCII is allowed.", nameof(value));
            }
        }

        _entries.Add(new(k, value));
        return this;
    }

    /// <summary>Adds a binary entry; the key must end in <c>-bin</c>.</summary>
    public CallMetadata Add(string key, byte[] value)
    {
        var k = CheckKey(key);
        if (!k.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{key}' carries bytes and must end in -bin.", nameof(key));
        }

        _entries.Add(new(k, Convert.ToBase64String(value).TrimEnd('=')));
        return this;
    }

    internal void AddRaw(string key, string value) => _entries.Add(new(key.ToLowerInvariant(), value));

    /// <summary>The last text value for <paramref name="key"/>, or null.</summary>
    public string? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i].Value;
            }
        }

        return null;
    }

    /// <summary>The decoded bytes of the last <c>-bin</c> entry for <paramref name="key"/>, or null.</summary>
    public byte[]? GetBytes(string key)
    {
        var value = Get(key);
        if (value is null)
        {
            return null;
        }

        var padded = (value.Length % 4) switch { 2 => value + "==", 3 => value + "=", _ => value };
        return Convert.FromBase64String(padded);
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var k = key.ToLowerInvariant();
        foreach (var c in k)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
            {
                throw new ArgumentException($"Metadata key '{key}' has '{c}'; keys use a-z, 0-9, '-', '_' and '.'.", nameof(key));
            }
        }

        if (k.StartsWith("grpc-", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{key}' is reserved by the protocol.", nameof(key));
        }

        return k;
    }
}
