using System.Buffers.Text;
using System.Text;

namespace MailMesh.Protocols.Imap.Internal;

/// <summary>
/// Tokenizes IMAP server responses from a fixed buffer that compacts unread bytes and grows only up to
/// the longest allowed token. Tokens are synchronous when the bytes are already buffered (the common
/// case); literals are copied straight from the buffer/socket to a sink without being held whole.
/// </summary>
internal sealed partial class ImapReader
{
    private static readonly bool[] AtomDelimiters = CreateDelimiters();

    private readonly Stream _stream;
    private readonly int _maxTokenLength;
    private byte[] _buffer;
    private int _pos;
    private int _end;
    private bool _hasPeek;
    private ImapToken _peek;
    private Task<int>? _pendingFill;

    public ImapReader(Stream stream, int bufferSize, int maxTokenLength)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
        _maxTokenLength = Math.Max(maxTokenLength, bufferSize);
    }

    /// <summary>Bytes already received and not yet consumed.</summary>
    public int Buffered => _end - _pos;

    public ReadOnlySpan<byte> Bytes(in ImapToken token) => _buffer.AsSpan(token.Start, token.Length);

    public string GetString(in ImapToken token) => Encoding.UTF8.GetString(_buffer, token.Start, token.Length);

    public bool Is(in ImapToken token, ReadOnlySpan<byte> upperAscii) =>
        token.Kind == ImapTokenKind.Atom && Ascii.EqualsIgnoreCase(Bytes(token), upperAscii);

    public bool TryGetNumber(in ImapToken token, out ulong value)
    {
        value = 0;
        return token.Kind == ImapTokenKind.Atom && Utf8Parser.TryParse(Bytes(token), out value, out var consumed) && consumed == token.Length;
    }

    public ValueTask<ImapToken> ReadTokenAsync(CancellationToken cancellationToken)
    {
        if (_hasPeek)
        {
            _hasPeek = false;
            return new ValueTask<ImapToken>(_peek);
        }

        return TryReadToken(out var token) ? new ValueTask<ImapToken>(token) : ReadTokenSlowAsync(cancellationToken);
    }

    public async ValueTask<ImapToken> PeekTokenAsync(CancellationToken cancellationToken)
    {
        if (!_hasPeek)
        {
            _peek = await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            _hasPeek = true;
        }

        return _peek;
    }

    private async ValueTask<ImapToken> ReadTokenSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
            if (TryReadToken(out var token))
            {
                return token;
            }
        }
    }

    private bool TryReadToken(out ImapToken token)
    {
        var buffer = _buffer;
        var p = _pos;
        while (p < _end && buffer[p] == (byte)' ')
        {
            p++;
        }

        _pos = p;
        token = default;
        if (p == _end)
        {
            return false;
        }

        switch (buffer[p])
        {
            case (byte)'\r':
                if (p + 1 == _end)
                {
                    return false;
                }

                // A lone CR is not a line end; skip it leniently as white space.
                _pos = buffer[p + 1] == (byte)'\n' ? p + 2 : p + 1;
                if (_pos == p + 1)
                {
                    return TryReadToken(out token);
                }

                token = new ImapToken(ImapTokenKind.Eol);
                return true;
            case (byte)'\n':
                _pos = p + 1;
                token = new ImapToken(ImapTokenKind.Eol);
                return true;
            case (byte)'(':
                _pos = p + 1;
                token = new ImapToken(ImapTokenKind.OpenParen);
                return true;
            case (byte)')':
                _pos = p + 1;
                token = new ImapToken(ImapTokenKind.CloseParen);
                return true;
            case (byte)'[':
                _pos = p + 1;
                token = new ImapToken(ImapTokenKind.OpenBracket);
                return true;
            case (byte)']':
                _pos = p + 1;
                token = new ImapToken(ImapTokenKind.CloseBracket);
                return true;
            case (byte)'"':
                return TryReadQuoted(p, out token);
            case (byte)'{':
                return TryReadLiteralHeader(p, out token);
            default:
                var start = p;
                while (p < _end && !AtomDelimiters[buffer[p]])
                {
                    p++;
                }

                if (p == _end)
                {
                    return false;
                }

                _pos = p;
                token = new ImapToken(ImapTokenKind.Atom, start, p - start);
                return true;
        }
    }

    private bool TryReadQuoted(int open, out ImapToken token)
    {
        token = default;
        var buffer = _buffer;
        var q = open + 1;
        var escaped = false;
        while (q < _end)
        {
            var b = buffer[q];
            if (b == (byte)'\\')
            {
                escaped = true;
                q += 2;
                continue;
            }

            if (b == (byte)'"')
            {
                break;
            }

            if (b is (byte)'\r' or (byte)'\n')
            {
                throw ImapProtocolException.Malformed("a quoted string is not terminated before the end of the line");
            }

            q++;
        }

        if (q >= _end)
        {
            return false;
        }

        var start = open + 1;
        var length = q - start;
        if (escaped)
        {
            // Unescape in place: the result is never longer than the source.
            var w = start;
            for (var r = start; r < q; r++)
            {
                if (buffer[r] == (byte)'\\' && r + 1 < q)
                {
                    r++;
                }

                buffer[w++] = buffer[r];
            }

            length = w - start;
        }

        _pos = q + 1;
        token = new ImapToken(ImapTokenKind.QuotedString, start, length);
        return true;
    }

    private bool TryReadLiteralHeader(int open, out ImapToken token)
    {
        token = default;
        var buffer = _buffer;
        var q = open + 1;
        long length = 0;
        var digits = 0;
        while (q < _end && buffer[q] is >= (byte)'0' and <= (byte)'9')
        {
            if (++digits > 18)
            {
                throw ImapProtocolException.Malformed("a literal announces a length with more than 18 digits");
            }

            length = (length * 10) + (buffer[q] - '0');
            q++;
        }

        if (q < _end && buffer[q] is (byte)'+' or (byte)'-')
        {
            q++;
        }

        if (q >= _end)
        {
            return false;
        }

        if (digits == 0 || buffer[q] != (byte)'}')
        {
            throw ImapProtocolException.Malformed("a literal header is not of the form {length}");
        }

        q++;
        if (q < _end && buffer[q] == (byte)'\r')
        {
            q++;
        }

        if (q >= _end)
        {
            return false;
        }

        if (buffer[q] != (byte)'\n')
        {
            throw ImapProtocolException.Malformed("a literal header {" + length + "} is not followed by a line break");
        }

        _pos = q + 1;
        token = new ImapToken(ImapTokenKind.Literal, literalLength: length);
        return true;
    }

    private static bool[] CreateDelimiters()
    {
        var table = new bool[256];
        foreach (var c in " ()[]\r\n\"{"u8)
        {
            table[c] = true;
        }

        return table;
    }
}
