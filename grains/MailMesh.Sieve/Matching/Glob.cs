namespace MailMesh.Sieve.Matching;

/// <summary>
/// The :matches wildcard match (RFC 5228 2.7.1) with captures for match variables (RFC 5229):
/// each '*' takes as little as possible except the last, which takes the rest. Linear segment
/// search, so no pattern can make it exponential.
/// </summary>
internal sealed class Glob
{
    private readonly List<List<(char Char, bool Any)>> _segments;

    // Each segment's text when it has no '?' (found with a vectorized search), else null.
    private readonly string?[] _literals;

    private Glob(string pattern)
    {
        _segments = Split(pattern);
        _literals = _segments.Select(s => s.Exists(c => c.Any) ? null : new string(s.Select(c => c.Char).ToArray())).ToArray();
    }

    /// <summary>Compiles <paramref name="pattern"/> (split at its stars once, matched many times).</summary>
    public static Glob Compile(string pattern) => new(pattern);

    public static bool Match(string value, string pattern, SieveComparator comparator, List<string>? captures) =>
        Compile(pattern).Match(value, comparator, captures);

    // The gaps of the match in progress, reused by every match on the thread (Match does not recurse).
    [ThreadStatic]
    private static List<(int Start, int Length, bool IsStar)>? t_gaps;

    public bool Match(string value, SieveComparator comparator, List<string>? captures)
    {
        var segments = _segments;
        var gaps = t_gaps ??= [];
        gaps.Clear();
        List<(int, int, bool)>? probe = null;
        var first = segments[0];
        if (!MatchAt(value, 0, first, comparator, gaps))
        {
            return false;
        }

        if (segments.Count == 1)
        {
            if (first.Count != value.Length)
            {
                return false;
            }

            Fill(value, gaps, captures);
            return true;
        }

        var position = first.Count;
        var last = segments[^1];
        var lastStart = value.Length - last.Count;
        for (var s = 1; s < segments.Count - 1; s++)
        {
            var segment = segments[s];
            if (_literals[s] is { } literal && lastStart >= position && Find(value.AsSpan(position, lastStart - position), literal, comparator) is var offset and not int.MinValue)
            {
                if (offset < 0)
                {
                    return false;
                }

                gaps.Add((position, offset, true));
                position += offset + literal.Length;
                continue;
            }

            var found = -1;
            for (var at = position; at + segment.Count <= lastStart; at++)
            {
                probe ??= [];
                probe.Clear();
                if (MatchAt(value, at, segment, comparator, probe))
                {
                    gaps.Add((position, at - position, true));
                    gaps.AddRange(probe);
                    found = at;
                    break;
                }
            }

            if (found < 0)
            {
                return false;
            }

            position = found + segment.Count;
        }

        if (lastStart < position)
        {
            return false;
        }

        gaps.Add((position, lastStart - position, true));
        if (!MatchAt(value, lastStart, last, comparator, gaps))
        {
            return false;
        }

        Fill(value, gaps, captures);
        return true;
    }

    // The first occurrence of a '?'-free segment under the comparator, -1 when absent; int.MinValue when the
    // comparator has no fast search (the caller then tries each position).
    private static int Find(ReadOnlySpan<char> value, string literal, SieveComparator comparator)
    {
        if (value.Length < literal.Length)
        {
            return -1;
        }

        if (comparator == SieveComparator.Octet)
        {
            return value.IndexOf(literal, StringComparison.Ordinal);
        }

        if (comparator != SieveComparator.AsciiCaseMap)
        {
            return int.MinValue;
        }

        var offset = 0;
        while (offset + literal.Length <= value.Length)
        {
            var found = value[offset..].IndexOf(literal, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return -1;
            }

            if (SieveComparator.AsciiCaseMapEquals(value.Slice(offset + found, literal.Length), literal))
            {
                return offset + found;
            }

            offset += found + 1;
        }

        return -1;
    }

    private static void Fill(string value, List<(int Start, int Length, bool IsStar)> gaps, List<string>? captures)
    {
        if (captures is null)
        {
            return;
        }

        captures.Clear();
        captures.Add(value);
        foreach (var (start, length, _) in gaps)
        {
            captures.Add(value.Substring(start, length));
        }
    }

    // A segment is the pattern between stars: literal characters, or '\0' marks for '?'.
    private static List<List<(char Char, bool Any)>> Split(string pattern)
    {
        var segments = new List<List<(char, bool)>> { new() };
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '\\' when i + 1 < pattern.Length:
                    segments[^1].Add((pattern[++i], false));
                    break;
                case '*':
                    segments.Add([]);
                    break;
                case '?':
                    segments[^1].Add(('\0', true));
                    break;
                default:
                    segments[^1].Add((c, false));
                    break;
            }
        }

        return segments;
    }

    private static bool MatchAt(string value, int at, List<(char Char, bool Any)> segment, SieveComparator comparator, List<(int, int, bool)> gaps)
    {
        if (at + segment.Count > value.Length)
        {
            return false;
        }

        var mark = gaps.Count;
        for (var i = 0; i < segment.Count; i++)
        {
            var (c, any) = segment[i];
            if (any)
            {
                gaps.Add((at + i, 1, false));
            }
            else if (!comparator.CharEquals(value[at + i], c))
            {
                gaps.RemoveRange(mark, gaps.Count - mark);
                return false;
            }
        }

        return true;
    }
}
