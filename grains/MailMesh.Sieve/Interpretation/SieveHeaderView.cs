using MailMesh.Sieve.Internal;
using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Interpretation;

/// <summary>
/// The message header as the script sees it: the original fields, changed by editheader (RFC 5293).
/// Until the first edit it reads the message's fields by name (<see cref="ISieveMessage.GetHeaderValues"/>)
/// without copying them, and it keeps each name's raw, decoded and address-parsed values for the rest of
/// the execution (the first edit drops them).
/// </summary>
public sealed class SieveHeaderView
{
    private readonly ISieveMessage? _message;
    private List<SieveHeader>? _fields;

    // What was read per field name during this execution: a few names per script, so a short array searched
    // in order (names usually arrive as the same string instances) beats hashing; the first edit clears it.
    private NameEntry[] _entries = [];
    private int _count;
    private Dictionary<string, NameEntry>? _index;
    private const int MaxScanned = 16;

    /// <summary>Creates a view over a copy of <paramref name="fields"/>.</summary>
    public SieveHeaderView(IReadOnlyList<SieveHeader> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = [.. fields];
    }

    /// <summary>Creates a view over the fields of <paramref name="message"/>, read on demand.</summary>
    public SieveHeaderView(ISieveMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
    }

    /// <summary>The fields in order.</summary>
    public IReadOnlyList<SieveHeader> Fields => _fields ?? (IReadOnlyList<SieveHeader>)_message!.Headers;

    /// <summary>How many octets the edits added (negative when they removed more), for the size test.</summary>
    public long SizeDelta { get; private set; }

    /// <summary>True once addheader or deleteheader changed something.</summary>
    public bool Modified { get; private set; }

    /// <summary>The raw values of every field named <paramref name="name"/> (case-insensitive), in order.</summary>
    public IReadOnlyList<string> GetValues(string name) => Entry(name).Raw;

    private NameEntry Entry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var entries = _entries;
        if (_index is not null)
        {
            if (_index.TryGetValue(name, out var found))
            {
                return found;
            }
        }
        else
        {
            for (var i = 0; i < _count; i++)
            {
                if (ReferenceEquals(entries[i].Name, name))
                {
                    return entries[i];
                }
            }

            for (var i = 0; i < _count; i++)
            {
                if (entries[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return entries[i];
                }
            }
        }

        // Scripts reading many names (built from variables) switch to a hashed index.
        var entry = new NameEntry(name, ReadValues(name));
        if (_index is not null)
        {
            _index[name] = entry;
            return entry;
        }

        if (_count == MaxScanned)
        {
            _index = new Dictionary<string, NameEntry>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < _count; i++)
            {
                _index[entries[i].Name] = entries[i];
            }

            _index[name] = entry;
            return entry;
        }

        if (_count == entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(8, _count * 2));
        }

        _entries[_count++] = entry;
        return entry;
    }

    private IReadOnlyList<string> ReadValues(string name)
    {
        if (_fields is null)
        {
            return _message!.GetHeaderValues(name);
        }

        var list = new List<string>();
        foreach (var field in _fields)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                list.Add(field.Value);
            }
        }

        return list;
    }

    /// <summary>True when a field named <paramref name="name"/> exists.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_fields is not null || _index is not null)
        {
            return GetValues(name).Count > 0;
        }

        // Values already read answer; otherwise the message answers without building them.
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i].Raw.Count > 0;
            }
        }

        return _message!.HasHeader(name);
    }

    /// <summary>The values of the fields named <paramref name="name"/> with RFC 2047 words decoded and white space trimmed.</summary>
    internal string[] GetDecoded(string name)
    {
        var entry = Entry(name);
        if (entry.Decoded is { } values)
        {
            return values;
        }

        var raw = entry.Raw;
        values = raw.Count == 0 ? [] : new string[raw.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = MimeWords.DecodeTrimmed(raw[i]);
        }

        entry.Decoded = values;
        return values;
    }

    /// <summary>The addresses of each field named <paramref name="name"/> (one list per field).</summary>
    internal List<ParsedAddress>[] GetAddresses(string name)
    {
        var entry = Entry(name);
        if (entry.Addresses is { } values)
        {
            return values;
        }

        var raw = entry.Raw;
        values = raw.Count == 0 ? [] : new List<ParsedAddress>[raw.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = AddressList.Parse(MimeWords.Decode(raw[i]));
        }

        entry.Addresses = values;
        return values;
    }

    /// <summary>The address parts of every address in the fields named <paramref name="name"/>, made once by <paramref name="select"/>.</summary>
    internal IReadOnlyList<string> GetAddressParts(string name, string part, string separator, Func<List<ParsedAddress>[], string, string, IReadOnlyList<string>> select)
    {
        var entry = Entry(name);
        var parts = entry.Parts;
        if (parts is not null)
        {
            foreach (var (p, s, values) in parts)
            {
                if (p.Equals(part, StringComparison.Ordinal) && s.Equals(separator, StringComparison.Ordinal))
                {
                    return values;
                }
            }
        }

        var selected = select(GetAddresses(name), part, separator);
        (entry.Parts ??= []).Add((part, separator, selected));
        return selected;
    }

    /// <summary>Adds a field at the top, or at the end with <paramref name="last"/>.</summary>
    public void Add(string name, string value, bool last)
    {
        var fields = Edit();
        if (last)
        {
            fields.Add(new SieveHeader(name, value));
        }
        else
        {
            fields.Insert(0, new SieveHeader(name, value));
        }

        SizeDelta += FieldSize(name, value);
        Modified = true;
    }

    /// <summary>
    /// Deletes fields named <paramref name="name"/> for which <paramref name="predicate"/> holds;
    /// <paramref name="index"/> (1-based, counted from the end with <paramref name="fromEnd"/>) limits it to one occurrence.
    /// </summary>
    /// <returns>How many fields were deleted.</returns>
    public int Delete(string name, int? index, bool fromEnd, Func<string, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        if (!Contains(name))
        {
            return 0;
        }

        var fields = Edit();
        var positions = new List<int>();
        for (var i = 0; i < fields.Count; i++)
        {
            if (fields[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                positions.Add(i);
            }
        }

        if (index is { } n)
        {
            if (n < 1 || n > positions.Count)
            {
                return 0;
            }

            positions = [positions[fromEnd ? positions.Count - n : n - 1]];
        }

        var removed = 0;
        for (var p = positions.Count - 1; p >= 0; p--)
        {
            if (predicate(fields[positions[p]].Value))
            {
                SizeDelta -= FieldSize(fields[positions[p]].Name, fields[positions[p]].Value);
                fields.RemoveAt(positions[p]);
                removed++;
            }
        }

        if (removed > 0)
        {
            Modified = true;
        }

        return removed;
    }

    // The first edit copies the fields; every edit forgets the per-name values.
    private List<SieveHeader> Edit()
    {
        _fields ??= [.. _message!.Headers];
        Array.Clear(_entries, 0, _count);
        _count = 0;
        _index = null;
        return _fields;
    }

    private static long FieldSize(string name, string value) =>
        System.Text.Encoding.UTF8.GetByteCount(name) + 2 + System.Text.Encoding.UTF8.GetByteCount(value) + 2;

    // The values read for one field name.
    private sealed class NameEntry(string name, IReadOnlyList<string> raw)
    {
        public string Name { get; } = name;

        public IReadOnlyList<string> Raw { get; } = raw;

        public string[]? Decoded { get; set; }

        public List<ParsedAddress>[]? Addresses { get; set; }

        public List<(string Part, string Separator, IReadOnlyList<string> Values)>? Parts { get; set; }
    }
}
