using System.Collections;

namespace MailMesh.Grpc;

/// <summary>
/// gRPC metadata (request headers, response headers or trailers). Keys are lower-case ASCII;
/// keys ending in <c>-bin</c> carry bytes (base64 on the wire), all others printable ASCII text.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    private readonly List<Entry> _entries = [];

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds a text entry.</summary>
    public Metadata Add(string key, string value)
    {
        _entries.Add(Entry.Text(key, value));
        return this;
    }

    /// <summary>Adds a binary entry; the key must end in <c>-bin</c>.</summary>
    public Metadata Add(string key, byte[] value)
    {
        _entries.Add(Entry.Binary(key, value));
        return this;
    }

    /// <summary>Adds an entry.</summary>
    public Metadata Add(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Add(entry);
        return this;
    }

    /// <summary>The last entry with <paramref name="key"/>, or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }

        return null;
    }

    /// <summary>The text value of the last entry with <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the last binary entry with <paramref name="key"/>, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    /// <summary>All entries with <paramref name="key"/>, in order.</summary>
    public IEnumerable<Entry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Removes every entry with <paramref name="key"/>.</summary>
    public int Remove(string key) =>
        _entries.RemoveAll(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One metadata entry: a key and either a text or a binary value.</summary>
    public sealed class Entry
    {
        private Entry(string key, string? value, byte[]? valueBytes)
        {
            Key = key;
            Value = value;
            ValueBytes = valueBytes;
        }

        /// <summary>The lower-case key.</summary>
        public string Key { get; }

        /// <summary>The text value (null for a binary entry).</summary>
        public string? Value { get; }

        /// <summary>The bytes (null for a text entry).</summary>
        public byte[]? ValueBytes { get; }

        /// <summary>Whether the key ends in <c>-bin</c>.</summary>
        public bool IsBinary => ValueBytes is not null;

        /// <summary>Creates a text entry after checking key and value.</summary>
        public static Entry Text(string key, string value)
        {
            var normalized = ValidateKey(key);
            if (IsBinaryKey(normalized))
            {
                throw new ArgumentException($"Metadata key '{key}' ends in -bin and needs a byte[] value.", nameof(key));
            }

            ArgumentNullException.ThrowIfNull(value);
            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException(
                        $"Metadata value for '{key}' contains the character U+{(int)c:X4}; text values must be printable ASCII (use a -bin key for bytes).",
                        nameof(value));
                }
            }

            return new Entry(normalized, value, null);
        }

        /// <summary>Creates a binary entry after checking the key.</summary>
        public static Entry Binary(string key, byte[] value)
        {
            var normalized = ValidateKey(key);
            if (!IsBinaryKey(normalized))
            {
                throw new ArgumentException($"Metadata key '{key}' carries bytes and must end in -bin.", nameof(key));
            }

            ArgumentNullException.ThrowIfNull(value);
            return new Entry(normalized, null, value);
        }

        /// <summary>Whether a key names a binary entry.</summary>
        public static bool IsBinaryKey(string key) => key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase);

        /// <inheritdoc />
        public override string ToString() => IsBinary ? $"{Key}: <{ValueBytes!.Length} bytes>" : $"{Key}: {Value}";

        private static string ValidateKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var normalized = key.ToLowerInvariant();
            foreach (var c in normalized)
            {
                var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.';
                if (!ok)
                {
                    throw new ArgumentException(
                        $"Metadata key '{key}' contains '{c}'; keys may only contain a-z, 0-9, '-', '_' and '.'.", nameof(key));
                }
            }

            return normalized;
        }
    }
}
