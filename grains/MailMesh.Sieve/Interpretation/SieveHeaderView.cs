using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Interpretation;

/// <summary>The message header as the script sees it: the original fields, changed by editheader (RFC 5293).</summary>
public sealed class SieveHeaderView
{
    private readonly List<SieveHeader> _fields;

    /// <summary>Creates a view over <paramref name="fields"/>.</summary>
    public SieveHeaderView(IReadOnlyList<SieveHeader> fields)
    {
        _fields = [.. fields];
    }

    /// <summary>The fields in order.</summary>
    public IReadOnlyList<SieveHeader> Fields => _fields;

    /// <summary>How many octets the edits added (negative when they removed more), for the size test.</summary>
    public long SizeDelta { get; private set; }

    /// <summary>True once addheader or deleteheader changed something.</summary>
    public bool Modified { get; private set; }

    /// <summary>The raw values of every field named <paramref name="name"/> (case-insensitive), in order.</summary>
    public IEnumerable<string> GetValues(string name)
    {
        foreach (var field in _fields)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                yield return field.Value;
            }
        }
    }

    /// <summary>True when a field named <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _fields.Exists(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds a field at the top, or at the end with <paramref name="last"/>.</summary>
    public void Add(string name, string value, bool last)
    {
        if (last)
        {
            _fields.Add(new SieveHeader(name, value));
        }
        else
        {
            _fields.Insert(0, new SieveHeader(name, value));
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
        var positions = new List<int>();
        for (var i = 0; i < _fields.Count; i++)
        {
            if (_fields[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
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
            if (predicate(_fields[positions[p]].Value))
            {
                SizeDelta -= FieldSize(_fields[positions[p]].Name, _fields[positions[p]].Value);
                _fields.RemoveAt(positions[p]);
                removed++;
            }
        }

        if (removed > 0)
        {
            Modified = true;
        }

        return removed;
    }

    private static long FieldSize(string name, string value) =>
        System.Text.Encoding.UTF8.GetByteCount(name) + 2 + System.Text.Encoding.UTF8.GetByteCount(value) + 2;
}
