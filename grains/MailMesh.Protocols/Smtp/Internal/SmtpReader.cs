using System.Runtime.CompilerServices;
using System.Text;

namespace MailMesh.Protocols.Smtp.Internal;

/// <summary>One SMTP reply: its code and the text of each line (without the code and separator).</summary>
internal sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    public string Text => Lines.Count == 1 ? Lines[0] : string.Join(' ', Lines);

    private string? _enhancedCode;
    private bool _enhancedCodeParsed;

    /// <summary>The RFC 3463 enhanced status code at the start of the text (its class matching the reply code), when present.</summary>
    public string? EnhancedCode
    {
        get
        {
            if (!_enhancedCodeParsed)
            {
                _enhancedCode = ParseEnhancedCode(Code, Lines.Count > 0 ? Lines[0] : string.Empty);
                _enhancedCodeParsed = true;
            }

            return _enhancedCode;
        }
    }

    private static string? ParseEnhancedCode(int code, string first)
    {
        // class "." subject "." detail: 2/4/5 matching the reply code, then 1-3 and 1-3 digits.
        if (first.Length < 5 || first[0] != (char)('0' + (code / 100)) || first[0] is not ('2' or '4' or '5') || first[1] != '.')
        {
            return null;
        }

        var i = 2;
        for (var part = 0; part < 2; part++)
        {
            var start = i;
            while (i < first.Length && char.IsAsciiDigit(first[i]))
            {
                i++;
            }

            if (i - start is < 1 or > 3 || (part == 0 && (i >= first.Length || first[i] != '.')))
            {
                return null;
            }

            i += part == 0 ? 1 : 0;
        }

        return i == first.Length || first[i] == ' ' ? first[..i] : null;
    }

    public string TextWithoutEnhancedCode => EnhancedCode is { } e && Text.StartsWith(e, StringComparison.Ordinal) ? Text[e.Length..].TrimStart() : Text;

    private SmtpResponse? _response;

    /// <summary>The reply as the client's callers see it, made once (a repeated reply is read as the same object).</summary>
    public SmtpResponse Response => _response ??= SmtpResponse.From(this);

    public override string ToString() => $"{Code} {Text}";
}

/// <summary>Reads CRLF-terminated reply lines from a buffered block that compacts unread bytes. A reply already
/// buffered (the replies to a pipelined group usually arrive in one segment) is read without suspending, and each line
/// costs one string: its text, decoded after the code is checked on the bytes. A one-line reply the server sent before
/// in this session, word for word (the 250s to MAIL and RCPT, the 354 to DATA: three of a pipelined message's four
/// replies), is matched on its bytes and read as the same reply object, without parsing or allocating.</summary>
internal sealed class SmtpReader(Stream stream, int maxLineLength)
{
    /// <summary>How many distinct one-line replies a session remembers, and the longest one it keeps.</summary>
    private const int RepeatedReplies = 8;
    private const int MaxRepeatedLength = 128;

    private readonly byte[] _buffer = new byte[Math.Max(4096, maxLineLength + 2)];
    private readonly (byte[] Line, SmtpReply Reply)[] _repeated = new (byte[], SmtpReply)[RepeatedReplies];
    private int _repeatedCount;
    private int _nextRepeated;
    private int _start;
    private int _end;

    // Where the line last read lies in the buffer (valid until the next read into it).
    private int _lastLineStart;
    private int _lastLineLength;

    /// <summary>Reads the next reply: at once when it is buffered and was seen before, else parsed.</summary>
    public ValueTask<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken) =>
        TryReadRepeated() is { } repeated ? new ValueTask<SmtpReply>(repeated) : ReadNewReplyAsync(cancellationToken);

    /// <summary>The buffered next line's reply when it is a one-line reply seen before in this session (consumed), else null.</summary>
    private SmtpReply? TryReadRepeated()
    {
        var span = _buffer.AsSpan(_start, _end - _start);
        var lf = span.IndexOf((byte)'\n');
        if (lf < 4)
        {
            return null;
        }

        var line = span[..(span[lf - 1] == '\r' ? lf - 1 : lf)];
        for (var i = 0; i < _repeatedCount; i++)
        {
            if (line.SequenceEqual(_repeated[i].Line))
            {
                _start += lf + 1;
                return _repeated[i].Reply;
            }
        }

        return null;
    }

    /// <summary>Keeps a one-line reply to be matched later, in place of the one kept longest (a reply that differs every
    /// time, like a queue id, takes one place in turn and the repeated ones come back after it).</summary>
    private void Remember(ReadOnlySpan<byte> line, SmtpReply reply)
    {
        if (line.Length > MaxRepeatedLength)
        {
            return;
        }

        _repeated[_nextRepeated] = (line.ToArray(), reply);
        _nextRepeated = (_nextRepeated + 1) % RepeatedReplies;
        _repeatedCount = Math.Max(_repeatedCount, _nextRepeated == 0 ? RepeatedReplies : _nextRepeated);
    }

    // Pooled builders: a session suspends here once or twice per message, waiting for the server.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpReply> ReadNewReplyAsync(CancellationToken cancellationToken)
    {
        var first = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (first.IsLast)
        {
            var reply = new SmtpReply(first.Code, [first.Text]);
            Remember(_buffer.AsSpan(_lastLineStart, _lastLineLength), reply);
            return reply;
        }

        var lines = new List<string> { first.Text };
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Code != first.Code)
            {
                throw SmtpProtocolException.Malformed($"a multi-line reply changed its code from {first.Code} to {line.Code}");
            }

            lines.Add(line.Text);
            if (line.IsLast)
            {
                return new SmtpReply(first.Code, lines);
            }

            if (lines.Count > 1000)
            {
                throw SmtpProtocolException.Malformed("a multi-line reply has more than 1000 lines");
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReplyLine> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                _lastLineStart = _start;
                _lastLineLength = lf > 0 && span[lf - 1] == '\r' ? lf - 1 : lf;
                var line = Parse(span[.._lastLineLength]);
                _start += lf + 1;
                return line;
            }

            if (_end - _start > maxLineLength)
            {
                throw SmtpProtocolException.Malformed($"a reply line is longer than {maxLineLength} bytes");
            }

            if (_start > 0)
            {
                span.CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new SmtpProtocolException(ProtocolFailureKind.ServerClosed, "The SMTP server closed the connection.");
            }

            _end += read;
        }
    }

    private static ReplyLine Parse(ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || !char.IsAsciiDigit((char)line[0]) || !char.IsAsciiDigit((char)line[1]) || !char.IsAsciiDigit((char)line[2])
            || (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')))
        {
            var text = Encoding.UTF8.GetString(line);
            throw SmtpProtocolException.Malformed($"'{(text.Length > 60 ? text[..60] + "..." : text)}' does not start with a three-digit code (is this an SMTP server?)");
        }

        var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        return new ReplyLine(code, line.Length == 3 || line[3] == ' ', line.Length > 4 ? Encoding.UTF8.GetString(line[4..]) : string.Empty);
    }

    /// <summary>True when bytes the server sent are waiting unread (a reply nobody asked for yet).</summary>
    public bool HasBufferedData => _end > _start;

    /// <summary>One reply line: its code, whether it ends the reply (a space or nothing after the code), and its text.</summary>
    private readonly record struct ReplyLine(int Code, bool IsLast, string Text);
}
