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
    private Dictionary<string, IReadOnlyList<string>>? _raw;
    private Dictionary<string, string[]>? _decoded;
    private Dictionary<string, List<ParsedAddress>[]>? _addresses;
    private Dictionary<(string Name, string Part, string Separator), IReadOnlyList<string>>? _addressParts;

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
    public IReadOnlyList<string> GetValues(string name)
    {
        _raw ??= new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (_raw.TryGetValue(name, out var cached))
        {
            return cached;
        }

        IReadOnlyList<string> values;
        if (_fields is null)
        {
            values = _message!.GetHeaderValues(name);
        }
        else
        {
            var list = new List<string>();
            foreach (var field in _fields)
            {
                if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    list.Add(field.Value);
                }
            }

            values = list;
        }

        _raw[name] = values;
        return values;
    }

    /// <summary>True when a field named <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => GetValues(name).Count > 0;

    /// <summary>The values of the fields named <paramref name="name"/> with RFC 2047 words decoded and white space trimmed.</summary>
    internal string[] GetDecoded(string name)
    {
        _decoded ??= new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        if (!_decoded.TryGetValue(name, out var values))
        {
            var raw = GetValues(name);
            values = new string[raw.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = MimeWords.Decode(raw[i]).Trim();
            }

            _decoded[name] = values;
        }

        return values;
    }

    /// <summary>The addresses of each field named <paramref name="name"/> (one list per field).</summary>
    internal List<ParsedAddress>[] GetAddresses(string name)
    {
        _addresses ??= new Dictionary<string, List<ParsedAddress>[]>(StringComparer.OrdinalIgnoreCase);
        if (!_addresses.TryGetValue(name, out var values))
        {
            var raw = GetValues(name);
            values = new List<ParsedAddress>[raw.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = AddressList.Parse(MimeWords.Decode(raw[i]));
            }

            _addresses[name] = values;
        }

        return values;
    }

    /// <summary>The address parts of every address in the fields named <paramref name="name"/>, made once by <paramref name="select"/>.</summary>
    internal IReadOnlyList<string> GetAddressParts(string name, string part, string separator, Func<List<ParsedAddress>[], string, string, IReadOnlyList<string>> select)
    {
        _addressParts ??= new Dictionary<(string, string, string), IReadOnlyList<string>>(AddressPartKeyComparer.Instance);
        if (!_addressParts.TryGetValue((name, part, separator), out var values))
        {
            values = select(GetAddresses(name), part, separator);
            _addressParts[(name, part, separator)] = values;
        }

        return values;
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
        _raw = null;
        _decoded = null;
        _addresses = null;
        _addressParts = null;
        return _fields;
    }

    private static long FieldSize(string name, string value) =>
        System.Text.Encoding.UTF8.GetByteCount(name) + 2 + System.Text.Encoding.UTF8.GetByteCount(value) + 2;

    // Field names compare case-insensitively, address parts and separators exactly.
    private sealed class AddressPartKeyComparer : IEqualityComparer<(string Name, string Part, string Separator)>
    {
        public static readonly AddressPartKeyComparer Instance = new();

        public bool Equals((string Name, string Part, string Separator) x, (string Name, string Part, string Separator) y) =>
            x.Name.Equals(y.Name, StringComparison.OrdinalIgnoreCase) && x.Part.Equals(y.Part, StringComparison.Ordinal) && x.Separator.Equals(y.Separator, StringComparison.Ordinal);

        public int GetHashCode((string Name, string Part, string Separator) key) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.Name), key.Part.GetHashCode(StringComparison.Ordinal), key.Separator.GetHashCode(StringComparison.Ordinal));
    }
}
