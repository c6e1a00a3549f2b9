using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MailMesh.Mime.Mbox;

/// <summary>One message of an mbox with its byte offsets in the mbox.</summary>
/// <param name="MarkerOffset">Offset of the "From " separator line.</param>
/// <param name="Offset">Offset of the message's first header (just past the separator line).</param>
/// <param name="EndOffset">Offset just past the message (the line break before the next separator is not part of it).</param>
/// <param name="Message">The parsed message. Its entity offsets are relative to <paramref name="Offset"/> (and to the unquoted copy when "&gt;From " lines were unquoted).</param>
public sealed record MboxEntry(long MarkerOffset, long Offset, long EndOffset, MimeMessage Message)
{
    private readonly ReadOnlyMemory<byte> _markerLine;
    private string? _marker;

    internal MboxEntry(long markerOffset, long offset, long endOffset, MimeMessage message, ReadOnlyMemory<byte> markerLine)
        : this(markerOffset, offset, endOffset, message)
    {
        _markerLine = markerLine;
        _marker = markerLine.IsEmpty ? string.Empty : null;
    }

    /// <summary>The separator line without its line break ("From sender date"), made into a string when first read.</summary>
    public string? Marker
    {
        get => _marker ??= _markerLine.IsEmpty ? null : System.Text.Encoding.ASCII.GetString(_markerLine.Span).TrimEnd('\r');
        init => _marker = value;
    }

    /// <inheritdoc />
    public bool Equals(MboxEntry? other) =>
        other is not null && MarkerOffset == other.MarkerOffset && Offset == other.Offset && EndOffset == other.EndOffset &&
        Equals(Message, other.Message) && string.Equals(Marker, other.Marker, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(MarkerOffset, Offset, EndOffset, Message, Marker);
}

/// <summary>
/// Reads mbox files (mboxo/mboxrd): messages start at lines beginning with "From "; "&gt;From " quoting
/// is undone on request. Messages are slices of the mbox (no copies) unless unquoting had to change bytes.
/// </summary>
public sealed class MboxReader
{
    private readonly MimeSource _source;
    private readonly ParserOptions _options;
    private readonly bool _unquoteFrom;

    /// <summary>Creates a reader over an mbox held in memory.</summary>
    public MboxReader(ReadOnlyMemory<byte> mbox, ParserOptions? options = null, bool unquoteFrom = true)
        : this(new MimeSource(mbox), options, unquoteFrom)
    {
    }

    /// <summary>Creates a reader over a loaded source (use <see cref="MimeSource.Load"/> for files; large ones are memory-mapped).</summary>
    public MboxReader(MimeSource source, ParserOptions? options = null, bool unquoteFrom = true)
    {
        _source = source;
        _options = options ?? ParserOptions.Default;
        _unquoteFrom = unquoteFrom;
    }

    /// <summary>Enumerates the messages in order, parsing each one when reached.</summary>
    public IEnumerable<MboxEntry> ReadMessages()
    {
        var memory = _source.Memory;
        var pos = FindSeparator(memory.Span, 0);
        if (pos < 0)
        {
            yield break;
        }

        // Positions (relative to the message) of the line breaks followed by "-", found by the same
        // pass that looks for the next separator, so that the parser need not search the message's
        // bodies for multipart delimiters again.
        var dashLines = new LineList();
        while (pos >= 0)
        {
            var span = memory.Span;
            var nl = span[pos..].IndexOf((byte)'\n');
            var start = nl < 0 ? span.Length : pos + nl + 1;
            var scan = ScanMessage(span, start, dashLines);
            var next = scan.Separator;
            var end = next < 0 ? span.Length : next - 1;
            if (next >= 0 && end > start && span[end - 1] == (byte)'\r')
            {
                end--;
            }

            end = Math.Max(end, start);
            var body = memory[start..end];
            var unquoted = _unquoteFrom && (scan.QuotedLine || body.Span.StartsWith(">"u8)) ? Unquote(body) : body;
            // Unquoting that changed bytes moves them: the parser then searches the copy itself.
            var lines = unquoted.Equals(body) ? dashLines.Memory : (ReadOnlyMemory<int>?)null;
            var message = MimeParser.Parse(new MimeSource(unquoted), _options, lines);
            yield return new MboxEntry(pos, start, end, message, memory[pos..Math.Max(pos, start - 1)]);
            pos = next;
        }
    }

    private static int FindSeparator(ReadOnlySpan<byte> span, int from)
    {
        if (from == 0 && span.StartsWith("From "u8))
        {
            return 0;
        }

        var idx = span[from..].IndexOf("\nFrom "u8);
        return idx < 0 ? -1 : from + idx + 1;
    }

    /// <summary>What one pass over a message found: the next separator and whether a line starts with "&gt;".</summary>
    private readonly record struct Scan(int Separator, bool QuotedLine);

    /// <summary>
    /// Finds the next separator ("\nFrom " at or after <paramref name="from"/>; the result is the index
    /// of its "F", or -1) and, on the way, records every line break followed by "-" (relative to
    /// <paramref name="from"/>) and notes line breaks followed by "&gt;". One vectorized pass looks for
    /// a line break followed by any of the three.
    /// </summary>
    internal static (int Separator, bool QuotedLine) ScanForTests(ReadOnlySpan<byte> span, int from, LineList dashLines)
    {
        var scan = ScanMessage(span, from, dashLines);
        return (scan.Separator, scan.QuotedLine);
    }

    private static Scan ScanMessage(ReadOnlySpan<byte> span, int from, LineList dashLines)
    {
        dashLines.Clear();
        var quoted = false;
        var i = from;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(span);
            var newline = Vector256.Create((byte)'\n');
            var f = Vector256.Create((byte)'F');
            var dash = Vector256.Create((byte)'-');
            var gt = Vector256.Create((byte)'>');
            for (; i <= span.Length - Vector256<byte>.Count - 1; i += Vector256<byte>.Count)
            {
                var here = Vector256.LoadUnsafe(ref start, (nuint)i);
                var after = Vector256.LoadUnsafe(ref start, (nuint)(i + 1));
                var hits = Vector256.Equals(here, newline) & (Vector256.Equals(after, f) | Vector256.Equals(after, dash) | Vector256.Equals(after, gt));
                var mask = hits.ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var p = i + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    if (Classify(span, p, from, dashLines, ref quoted))
                    {
                        return new Scan(p + 1, quoted);
                    }
                }
            }
        }

        for (; i < span.Length - 1; i++)
        {
            if (span[i] == (byte)'\n' && Classify(span, i, from, dashLines, ref quoted))
            {
                return new Scan(i + 1, quoted);
            }
        }

        return new Scan(-1, quoted);
    }

    /// <summary>Handles a line break at <paramref name="p"/>; true when it starts a separator line.</summary>
    private static bool Classify(ReadOnlySpan<byte> span, int p, int from, LineList dashLines, ref bool quoted)
    {
        switch (span[p + 1])
        {
            case (byte)'-':
                dashLines.Add(p - from);
                return false;
            case (byte)'>':
                quoted = true;
                return false;
            default:
                return span[(p + 1)..].StartsWith("From "u8);
        }
    }

    /// <summary>Undoes mboxrd quoting: one '&gt;' is removed from lines matching ^&gt;+From .</summary>
    public static ReadOnlyMemory<byte> Unquote(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        if (!span.StartsWith(">"u8) && span.IndexOf("\n>"u8) < 0)
        {
            return message;
        }

        ArrayBufferWriter<byte>? output = null;
        var lineStart = 0;
        var copied = 0;
        while (lineStart < span.Length)
        {
            var nl = span[lineStart..].IndexOf((byte)'\n');
            var lineEnd = nl < 0 ? span.Length : lineStart + nl + 1;
            var line = span[lineStart..lineEnd];
            var gt = line.IndexOfAnyExcept((byte)'>');
            if (gt > 0 && line[gt..].StartsWith("From "u8))
            {
                output ??= new ArrayBufferWriter<byte>(span.Length);
                output.Write(span[copied..lineStart]);
                copied = lineStart + 1;
            }

            lineStart = lineEnd;
        }

        if (output is null)
        {
            return message;
        }

        output.Write(span[copied..]);
        return output.WrittenMemory;
    }
}

/// <summary>A growable list of ints whose contents can be handed out as memory (reused per message).</summary>
internal sealed class LineList
{
    private int[] _items = new int[16];

    public int Count { get; private set; }

    public ReadOnlyMemory<int> Memory => _items.AsMemory(0, Count);

    public void Clear() => Count = 0;

    public void Add(int value)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = value;
    }
}
