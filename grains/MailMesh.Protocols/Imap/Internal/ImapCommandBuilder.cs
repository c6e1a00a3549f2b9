using System.Buffers;
using System.Globalization;
using System.Text;

namespace MailMesh.Protocols.Imap.Internal;

/// <summary>Builds a command's bytes: atoms, quoted strings, literals ({n} or LITERAL+ {n+}).</summary>
internal sealed class ImapCommandBuilder
{
    private readonly string _name;
    private readonly bool _literalPlus;
    private readonly bool _utf8;
    private readonly ArrayBufferWriter<byte> _current = new(128);
    private readonly List<ImapCommandSegment> _segments = [];
    private bool _needSpace;

    public ImapCommandBuilder(string name, bool literalPlus, bool utf8 = false)
    {
        _name = name;
        _literalPlus = literalPlus;
        _utf8 = utf8;
    }

    /// <summary>Appends text verbatim (command names, item lists built by the client).</summary>
    public ImapCommandBuilder Atom(string text)
    {
        Space();
        Write(text);
        return this;
    }

    public ImapCommandBuilder Number(ulong value) => Atom(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Appends a string as an atom, a quoted string, or a literal, whichever is valid.</summary>
    public ImapCommandBuilder AString(string value)
    {
        if (value.Length > 0 && value.All(IsAtomChar))
        {
            return Atom(value);
        }

        return QuotedOrLiteral(value);
    }

    /// <summary>Appends a string as a quoted string, or a literal when it cannot be quoted.</summary>
    public ImapCommandBuilder QuotedOrLiteral(string value)
    {
        var quotable = value.Length < 1024 && value.All(c => c is not ('\r' or '\n' or '\0') && (c < 128 || _utf8));
        if (!quotable)
        {
            return Literal(Encoding.UTF8.GetBytes(value));
        }

        Space();
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        Write(builder.Append('"').ToString());
        return this;
    }

    /// <summary>Appends a mailbox name, encoded as modified UTF-7 unless UTF8=ACCEPT is on.</summary>
    public ImapCommandBuilder Mailbox(string name)
    {
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return Atom("INBOX");
        }

        return AString(_utf8 ? name : ImapUtf7.Encode(name));
    }

    public ImapCommandBuilder Literal(ReadOnlyMemory<byte> data)
    {
        EndSegmentWithLiteral(data.Length);
        _segments.Add(new ImapCommandSegment(TakeCurrent())
        {
            HasLiteral = true,
            Literal = data,
            LiteralLength = data.Length,
            Synchronizing = !_literalPlus,
        });
        _needSpace = true;
        return this;
    }

    public ImapCommandBuilder Literal(Stream data, long length)
    {
        EndSegmentWithLiteral(length);
        _segments.Add(new ImapCommandSegment(TakeCurrent())
        {
            HasLiteral = true,
            LiteralStream = data,
            LiteralLength = length,
            Synchronizing = !_literalPlus,
        });
        _needSpace = true;
        return this;
    }

    public ImapCommand Build(Func<string, CancellationToken, ValueTask>? onContinuation = null)
    {
        Write("\r\n");
        _segments.Add(new ImapCommandSegment(TakeCurrent()));
        return new ImapCommand(_name, _segments) { OnContinuation = onContinuation };
    }

    private void EndSegmentWithLiteral(long length)
    {
        Space();
        Write("{" + length.ToString(CultureInfo.InvariantCulture) + (_literalPlus ? "+}\r\n" : "}\r\n"));
        _needSpace = false;
    }

    private void Space()
    {
        if (_needSpace)
        {
            _current.Write(" "u8);
        }

        _needSpace = true;
    }

    /// <summary>Suppresses the next separating space (for "(" and item lists written piecewise).</summary>
    public ImapCommandBuilder NoSpace()
    {
        _needSpace = false;
        return this;
    }

    private void Write(string text)
    {
        var span = _current.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _current.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private byte[] TakeCurrent()
    {
        var bytes = _current.WrittenSpan.ToArray();
        _current.ResetWrittenCount();
        return bytes;
    }

    private static bool IsAtomChar(char c) =>
        c is > ' ' and < (char)127 and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']');
}
