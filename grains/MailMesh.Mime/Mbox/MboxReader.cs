using System.Buffers;

namespace MailMesh.Mime.Mbox;

/// <summary>One message of an mbox with its byte offsets in the mbox.</summary>
/// <param name="MarkerOffset">Offset of the "From " separator line.</param>
/// <param name="Offset">Offset of the message's first header (just past the separator line).</param>
/// <param name="EndOffset">Offset just past the message (the line break before the next separator is not part of it).</param>
/// <param name="Message">The parsed message. Its entity offsets are relative to <paramref name="Offset"/> (and to the unquoted copy when "&gt;From " lines were unquoted).</param>
public sealed record MboxEntry(long MarkerOffset, long Offset, long EndOffset, MimeMessage Message)
{
    /// <summary>The separator line without its line break ("From sender date").</summary>
    public string? Marker { get; init; }
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

        while (pos >= 0)
        {
            var span = memory.Span;
            var nl = span[pos..].IndexOf((byte)'\n');
            var start = nl < 0 ? span.Length : pos + nl + 1;
            var next = FindSeparator(span, start);
            var end = next < 0 ? span.Length : next - 1;
            if (next >= 0 && end > start && span[end - 1] == (byte)'\r')
            {
                end--;
            }

            end = Math.Max(end, start);
            var marker = System.Text.Encoding.ASCII.GetString(span[pos..Math.Max(pos, start - 1)]).TrimEnd('\r');
            var body = memory[start..end];
            var message = MimeParser.Parse(_unquoteFrom ? Unquote(body) : body, _options);
            yield return new MboxEntry(pos, start, end, message) { Marker = marker };
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
