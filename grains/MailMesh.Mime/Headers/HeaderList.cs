using System.Runtime.CompilerServices;
using System.Collections;

namespace MailMesh.Mime.Headers;

/// <summary>
/// The header fields of an entity in their original order, duplicates kept. While unchanged,
/// the writer copies the original header block byte for byte.
/// </summary>
public sealed class HeaderList : IReadOnlyList<Header>
{
    // A parsed list keeps only the positions of its fields; Header objects are created when a field is
    // first asked for (most fields of most messages never are). The first change copies every field
    // into _headers, which from then on is the list.
    private readonly ReadOnlyMemory<byte> _source;
    private readonly FieldRange[]? _fields;
    private Header?[]? _created;
    private List<Header>? _headers;

    /// <summary>Creates an empty list.</summary>
    public HeaderList()
    {
        _headers = [];
    }

    internal HeaderList(ReadOnlyMemory<byte> source, FieldRange[] fields, ReadOnlyMemory<byte> rawBlock)
    {
        _source = source;
        _fields = fields;
        RawBlock = rawBlock;
        IsParsed = true;
    }

    /// <summary>The header block exactly as parsed, including the blank separator line (empty when created by code).</summary>
    public ReadOnlyMemory<byte> RawBlock { get; private set; }

    internal bool IsParsed { get; private set; }

    /// <summary>True when the list was changed after parsing.</summary>
    public bool IsModified => !IsParsed;

    /// <summary>Number of fields.</summary>
    public int Count => _headers?.Count ?? _fields!.Length;

    /// <summary>The field at a position.</summary>
    public Header this[int index] => _headers is not null ? _headers[index] : Get(index);

    /// <summary>The decoded value of the first field with that name, or null.</summary>
    public string? this[string name]
    {
        get
        {
            var i = IndexOf(name, 0);
            if (i < 0)
            {
                return null;
            }

            // A field nobody has asked for yet is decoded from its bytes without making its Header.
            return _headers is null && _created?[i] is null && TryGetRawValueAt(i, out var raw) ? Header.DecodeValue(raw.Span) : this[i].Value;
        }
    }

    /// <summary>The first field with that name, or null.</summary>
    public Header? Find(string name)
    {
        var i = IndexOf(name, 0);
        return i < 0 ? null : this[i];
    }

    /// <summary>The last field with that name, or null.</summary>
    public Header? FindLast(string name)
    {
        for (var i = Count - 1; i >= 0; i--)
        {
            if (NameAt(i, name))
            {
                return this[i];
            }
        }

        return null;
    }

    /// <summary>All fields with that name, in order.</summary>
    public IEnumerable<Header> FindAll(string name)
    {
        for (var i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            yield return this[i];
        }
    }

    /// <summary>True when a field with that name exists.</summary>
    public bool Contains(string name) => IndexOf(name, 0) >= 0;

    /// <summary>The raw value bytes of the first field with that name (see <see cref="Header.RawValue"/>), without creating a Header.</summary>
    internal bool TryGetRawValue(string name, out ReadOnlyMemory<byte> value)
    {
        var i = IndexOf(name, 0);
        if (i < 0)
        {
            value = default;
            return false;
        }

        if (_headers is not null || _created?[i] is not null)
        {
            value = this[i].RawValue;
            return true;
        }

        return TryGetRawValueAt(i, out value);
    }

    /// <summary>The raw value bytes of the parsed, unchanged field at an index without creating a Header; false when the list was changed.</summary>
    internal bool TryGetRawValueAt(int index, out ReadOnlyMemory<byte> value)
    {
        if (_headers is not null)
        {
            value = default;
            return false;
        }

        var f = _fields![index];
        var field = _source.Slice(f.Start, f.Length);
        value = field[f.ValueStart..Header.ValueEnd(field.Span, f.ValueStart)];
        return true;
    }

    /// <summary>Most characters <see cref="TryCopyAsciiText"/> writes.</summary>
    internal const int MaxAsciiText = 512;

    /// <summary>
    /// Writes the <see cref="Header.RawText"/> of the field at an index into <paramref name="chars"/> (at least
    /// <see cref="MaxAsciiText"/> long) without making its Header or a string, when the list is parsed and
    /// unchanged and the raw value is ASCII of at most <see cref="MaxAsciiText"/> bytes; returns the number
    /// of characters, or -1 (then read RawText). RawText of ASCII bytes is exactly these characters.
    /// </summary>
    [SkipLocalsInit]
    internal int TryCopyAsciiText(int index, Span<char> chars)
    {
        if (!TryGetRawValueAt(index, out var raw) || raw.Length > MaxAsciiText || !System.Text.Ascii.IsValid(raw.Span))
        {
            return -1;
        }

        Span<byte> unfolded = stackalloc byte[MaxAsciiText];
        var n = Header.UnfoldTrimmed(raw.Span, unfolded);
        System.Text.Ascii.ToUtf16(unfolded[..n], chars, out var written);
        return written;
    }

    /// <summary>The index of the first field with that name at or after <paramref name="from"/>, or -1.</summary>
    internal int IndexOfName(string name, int from) => IndexOf(name, from);

    /// <summary>Appends a field.</summary>
    public void Add(Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        Touch().Add(header);
    }

    /// <summary>Appends a field.</summary>
    public void Add(string name, string value) => Add(new Header(name, value));

    /// <summary>Inserts a field at a position (e.g. a Received or DKIM-Signature at the top).</summary>
    public void Insert(int index, Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        Touch().Insert(index, header);
    }

    /// <summary>Replaces the first field with that name (keeping its position) and removes the others, or appends.</summary>
    public void Set(string name, string value) => Set(new Header(name, value));

    /// <summary>Replaces the first field with the header's name (keeping its position) and removes the others, or appends.</summary>
    public void Set(Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var name = header.Name;
        var headers = Touch();
        var index = headers.FindIndex(h => h.NameEquals(name));
        headers.RemoveAll(h => h.NameEquals(name));
        if (index < 0 || index > headers.Count)
        {
            headers.Add(header);
        }
        else
        {
            headers.Insert(index, header);
        }
    }

    /// <summary>Removes every field with that name; returns how many were removed.</summary>
    public int RemoveAll(string name)
    {
        if (IndexOf(name, 0) < 0)
        {
            return 0;
        }

        return Touch().RemoveAll(h => h.NameEquals(name));
    }

    /// <summary>Removes one field.</summary>
    public bool Remove(Header header)
    {
        if (header is null)
        {
            return false;
        }

        var index = -1;
        for (var i = 0; i < Count; i++)
        {
            if (_headers is not null ? ReferenceEquals(_headers[i], header) : ReferenceEquals(_created?[i], header))
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            return false;
        }

        Touch().RemoveAt(index);
        return true;
    }

    /// <inheritdoc />
    public IEnumerator<Header> GetEnumerator()
    {
        if (_headers is not null)
        {
            return _headers.GetEnumerator();
        }

        return EnumerateParsed();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerator<Header> EnumerateParsed()
    {
        for (var i = 0; i < _fields!.Length; i++)
        {
            if (_headers is not null)
            {
                throw new InvalidOperationException("the header list was modified during enumeration");
            }

            yield return Get(i);
        }

        if (_headers is not null)
        {
            throw new InvalidOperationException("the header list was modified during enumeration");
        }
    }

    private int IndexOf(string name, int from)
    {
        if (_headers is null)
        {
            // Parsed and unchanged: compare the name bytes in place, the source span taken once.
            var fields = _fields!;
            var source = _source.Span;
            for (var i = from; i < fields.Length; i++)
            {
                var f = fields[i];
                if (f.NameLength == name.Length && Header.NameEquals(source.Slice(f.Start, f.NameLength), name))
                {
                    return i;
                }
            }

            return -1;
        }

        for (var i = from; i < _headers.Count; i++)
        {
            if (_headers[i].NameEquals(name))
            {
                return i;
            }
        }

        return -1;
    }

    private bool NameAt(int index, string name)
    {
        if (_headers is not null)
        {
            return _headers[index].NameEquals(name);
        }

        var f = _fields![index];
        return Header.NameEquals(_source.Span.Slice(f.Start, f.NameLength), name);
    }

    private Header Get(int index)
    {
        var f = _fields![index];
        _created ??= new Header?[_fields.Length];
        return _created[index] ??= new Header(_source.Slice(f.Start, f.Length), f.NameLength, f.ValueStart);
    }

    private List<Header> Touch()
    {
        if (_headers is null)
        {
            var headers = new List<Header>(_fields!.Length + 4);
            for (var i = 0; i < _fields.Length; i++)
            {
                headers.Add(Get(i));
            }

            _headers = headers;
            _created = null;
        }

        IsParsed = false;
        RawBlock = ReadOnlyMemory<byte>.Empty;
        return _headers;
    }
}

/// <summary>Where a parsed field lies in the source: its bytes, name length (0 for an invalid line) and value offset within the field.</summary>
internal readonly record struct FieldRange(int Start, int Length, int NameLength, int ValueStart);
