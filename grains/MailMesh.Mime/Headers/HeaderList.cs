using System.Collections;

namespace MailMesh.Mime.Headers;

/// <summary>
/// The header fields of an entity in their original order, duplicates kept. While unchanged,
/// the writer copies the original header block byte for byte.
/// </summary>
public sealed class HeaderList : IReadOnlyList<Header>
{
    private readonly List<Header> _headers;

    /// <summary>Creates an empty list.</summary>
    public HeaderList()
    {
        _headers = [];
    }

    internal HeaderList(List<Header> headers, ReadOnlyMemory<byte> rawBlock)
    {
        _headers = headers;
        RawBlock = rawBlock;
        IsParsed = true;
    }

    /// <summary>The header block exactly as parsed, including the blank separator line (empty when created by code).</summary>
    public ReadOnlyMemory<byte> RawBlock { get; private set; }

    internal bool IsParsed { get; private set; }

    /// <summary>True when the list was changed after parsing.</summary>
    public bool IsModified => !IsParsed;

    /// <summary>Number of fields.</summary>
    public int Count => _headers.Count;

    /// <summary>The field at a position.</summary>
    public Header this[int index] => _headers[index];

    /// <summary>The decoded value of the first field with that name, or null.</summary>
    public string? this[string name] => Find(name)?.Value;

    /// <summary>The first field with that name, or null.</summary>
    public Header? Find(string name)
    {
        foreach (var h in _headers)
        {
            if (h.NameEquals(name))
            {
                return h;
            }
        }

        return null;
    }

    /// <summary>The last field with that name, or null.</summary>
    public Header? FindLast(string name)
    {
        for (var i = _headers.Count - 1; i >= 0; i--)
        {
            if (_headers[i].NameEquals(name))
            {
                return _headers[i];
            }
        }

        return null;
    }

    /// <summary>All fields with that name, in order.</summary>
    public IEnumerable<Header> FindAll(string name)
    {
        foreach (var h in _headers)
        {
            if (h.NameEquals(name))
            {
                yield return h;
            }
        }
    }

    /// <summary>True when a field with that name exists.</summary>
    public bool Contains(string name) => Find(name) is not null;

    /// <summary>Appends a field.</summary>
    public void Add(Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        Touch();
        _headers.Add(header);
    }

    /// <summary>Appends a field.</summary>
    public void Add(string name, string value) => Add(new Header(name, value));

    /// <summary>Inserts a field at a position (e.g. a Received or DKIM-Signature at the top).</summary>
    public void Insert(int index, Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        Touch();
        _headers.Insert(index, header);
    }

    /// <summary>Replaces the first field with that name (keeping its position) and removes the others, or appends.</summary>
    public void Set(string name, string value) => Set(new Header(name, value));

    /// <summary>Replaces the first field with the header's name (keeping its position) and removes the others, or appends.</summary>
    public void Set(Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var name = header.Name;
        Touch();
        var index = _headers.FindIndex(h => h.NameEquals(name));
        _headers.RemoveAll(h => h.NameEquals(name));
        if (index < 0 || index > _headers.Count)
        {
            _headers.Add(header);
        }
        else
        {
            _headers.Insert(index, header);
        }
    }

    /// <summary>Removes every field with that name; returns how many were removed.</summary>
    public int RemoveAll(string name)
    {
        var removed = _headers.RemoveAll(h => h.NameEquals(name));
        if (removed > 0)
        {
            Touch();
        }

        return removed;
    }

    /// <summary>Removes one field.</summary>
    public bool Remove(Header header)
    {
        var removed = _headers.Remove(header);
        if (removed)
        {
            Touch();
        }

        return removed;
    }

    private void Touch()
    {
        IsParsed = false;
        RawBlock = ReadOnlyMemory<byte>.Empty;
    }

    /// <inheritdoc />
    public IEnumerator<Header> GetEnumerator() => _headers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
