using System.Buffers.Text;
using System.Collections;
using System.Globalization;
using System.Text;

namespace MailMesh.Protocols.Imap;

/// <summary>One range of a UID set; <see cref="End"/> is <see cref="uint.MaxValue"/> for <c>*</c>.</summary>
public readonly record struct ImapUidRange(uint Start, uint End)
{
    /// <summary>True when the range ends at <c>*</c> (the largest UID in the mailbox).</summary>
    public bool IsOpenEnded => End == uint.MaxValue;

    /// <summary>How many UIDs the range spans (an upper bound; UIDs may be sparse).</summary>
    public long Length => (long)End - Start + 1;
}

/// <summary>
/// An immutable IMAP sequence set of UIDs (<c>1:5,7,9:*</c>), kept in the order given (COPYUID sets
/// pair up by position). Enumerating an open-ended set (<c>n:*</c>) is not possible.
/// </summary>
public sealed class ImapUidSet : IEnumerable<uint>
{
    private readonly ImapUidRange[] _ranges;

    private ImapUidSet(ImapUidRange[] ranges)
    {
        _ranges = ranges;
    }

    /// <summary>The empty set.</summary>
    public static ImapUidSet Empty { get; } = new([]);

    /// <summary><c>1:*</c>, every message.</summary>
    public static ImapUidSet All { get; } = new([new ImapUidRange(1, uint.MaxValue)]);

    /// <summary>The ranges, in the order given.</summary>
    public IReadOnlyList<ImapUidRange> Ranges => _ranges;

    /// <summary>True when the set has no UIDs.</summary>
    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>True when a range ends at <c>*</c>.</summary>
    public bool IsOpenEnded => Array.Exists(_ranges, r => r.IsOpenEnded);

    /// <summary>The number of UIDs (ranges counted in full; open-ended sets throw).</summary>
    public long Count
    {
        get
        {
            if (IsOpenEnded)
            {
                throw new InvalidOperationException($"The UID set {this} is open-ended ('*'); its size depends on the mailbox.");
            }

            long count = 0;
            foreach (var range in _ranges)
            {
                count += range.Length;
            }

            return count;
        }
    }

    /// <summary>One UID.</summary>
    public static ImapUidSet Single(uint uid) => Range(uid, uid);

    /// <summary>The closed range <c>start:end</c>.</summary>
    public static ImapUidSet Range(uint start, uint end)
    {
        if (start == 0 || end == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(start), "IMAP UIDs start at 1; 0 is not a UID.");
        }

        return new([new ImapUidRange(Math.Min(start, end), Math.Max(start, end))]);
    }

    /// <summary><c>start:*</c>: every UID from <paramref name="start"/> on (for "what is new since").</summary>
    public static ImapUidSet StartingAt(uint start)
    {
        ArgumentOutOfRangeException.ThrowIfZero(start);
        return new([new ImapUidRange(start, uint.MaxValue)]);
    }

    /// <summary>The given UIDs, sorted and compressed into ranges.</summary>
    public static ImapUidSet FromUids(IEnumerable<uint> uids)
    {
        var sorted = uids.ToArray();
        Array.Sort(sorted);
        var ranges = new List<ImapUidRange>();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i] == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(uids), "IMAP UIDs start at 1; 0 is not a UID.");
            }

            var start = sorted[i];
            var end = start;
            while (i + 1 < sorted.Length && (sorted[i + 1] == end || sorted[i + 1] == end + 1))
            {
                end = sorted[++i];
            }

            ranges.Add(new ImapUidRange(start, end));
        }

        return ranges.Count == 0 ? Empty : new ImapUidSet([.. ranges]);
    }

    /// <summary>Parses <c>1:5,7,9:*</c>; throws <see cref="FormatException"/> saying where it is wrong.</summary>
    public static ImapUidSet Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(Encoding.ASCII.GetBytes(text), out var set)
            ? set
            : throw new FormatException($"'{text}' is not an IMAP UID set (expected numbers, 'a:b' ranges and '*' separated by commas).");
    }

    /// <summary>Parses a UID set from ASCII bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out ImapUidSet set)
    {
        set = Empty;
        if (text.IsEmpty)
        {
            return false;
        }

        var ranges = new List<ImapUidRange>();
        while (!text.IsEmpty)
        {
            var comma = text.IndexOf((byte)',');
            var part = comma < 0 ? text : text[..comma];
            text = comma < 0 ? [] : text[(comma + 1)..];
            var colon = part.IndexOf((byte)':');
            if (!TryParseUid(colon < 0 ? part : part[..colon], out var start))
            {
                return false;
            }

            var end = start;
            if (colon >= 0 && !TryParseUid(part[(colon + 1)..], out end))
            {
                return false;
            }

            ranges.Add(new ImapUidRange(Math.Min(start, end), Math.Max(start, end)));
        }

        set = new ImapUidSet([.. ranges]);
        return true;
    }

    private static bool TryParseUid(ReadOnlySpan<byte> text, out uint uid)
    {
        if (text.Length == 1 && text[0] == (byte)'*')
        {
            uid = uint.MaxValue;
            return true;
        }

        return Utf8Parser.TryParse(text, out uid, out var consumed) && consumed == text.Length && uid != 0;
    }

    /// <summary>True when <paramref name="uid"/> is in the set.</summary>
    public bool Contains(uint uid)
    {
        foreach (var range in _ranges)
        {
            if (uid >= range.Start && uid <= range.End)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Splits the set into sets of at most <paramref name="maxUids"/> UIDs each (closed ranges are cut;
    /// an open-ended range stays whole), for pipelined batches.
    /// </summary>
    public IEnumerable<ImapUidSet> Split(int maxUids)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxUids, 1);
        var batch = new List<ImapUidRange>();
        long inBatch = 0;
        foreach (var range in _ranges)
        {
            if (range.IsOpenEnded)
            {
                yield return new ImapUidSet([range]);
                continue;
            }

            var start = range.Start;
            while (true)
            {
                var room = maxUids - inBatch;
                var end = (uint)Math.Min(range.End, start + room - 1);
                batch.Add(new ImapUidRange(start, end));
                inBatch += end - start + 1;
                if (inBatch >= maxUids)
                {
                    yield return new ImapUidSet([.. batch]);
                    batch.Clear();
                    inBatch = 0;
                }

                if (end == range.End)
                {
                    break;
                }

                start = end + 1;
            }
        }

        if (batch.Count > 0)
        {
            yield return new ImapUidSet([.. batch]);
        }
    }

    /// <inheritdoc />
    public IEnumerator<uint> GetEnumerator()
    {
        foreach (var range in _ranges)
        {
            if (range.IsOpenEnded)
            {
                throw new InvalidOperationException($"The UID set {this} is open-ended ('*') and cannot be enumerated.");
            }

            for (var uid = range.Start; ; uid++)
            {
                yield return uid;
                if (uid == range.End)
                {
                    break;
                }
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The IMAP syntax, e.g. <c>1:5,7,9:*</c>.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var range in _ranges)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(range.Start.ToString(CultureInfo.InvariantCulture));
            if (range.End != range.Start)
            {
                builder.Append(':').Append(range.IsOpenEnded ? "*" : range.End.ToString(CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
