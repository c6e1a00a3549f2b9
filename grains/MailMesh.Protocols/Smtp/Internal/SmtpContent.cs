using System.Buffers;

namespace MailMesh.Protocols.Smtp.Internal;

/// <summary>What a message needs before it can go on the wire.</summary>
/// <param name="Has8Bit">An octet above 127 (BODY=8BITMIME).</param>
/// <param name="IsCrlf">Every line ends with CRLF (also the last): the bytes can go out as they are with BDAT.</param>
/// <param name="HasLeadingDot">A line starts with a dot (DATA must double it).</param>
/// <param name="WireLength">The length after line ends are made CRLF (for SIZE and BDAT).</param>
internal readonly record struct SmtpContentInfo(bool Has8Bit, bool IsCrlf, bool HasLeadingDot, long WireLength);

/// <summary>Line-length and NUL checks, CRLF normalization and dot-stuffing of message content.</summary>
internal static class SmtpContent
{
    /// <summary>The longest line allowed without its CRLF (RFC 5321 section 4.5.3.1.6).</summary>
    public const int MaxLineLength = 998;

    /// <summary>Scans the message once.</summary>
    /// <exception cref="SmtpMessageException">A line is longer than 998 octets, or there is a NUL octet.</exception>
    public static SmtpContentInfo Inspect(ReadOnlySpan<byte> message)
    {
        var nul = message.IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new SmtpMessageException(SmtpMessageProblem.NulOctet,
                $"The message has a NUL octet at offset {nul} (line {LineNumber(message, nul)}); SMTP cannot carry it. Encode the part (base64).");
        }

        var has8Bit = message.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
        var crlf = true;
        var dot = false;
        long added = 0;
        var offset = 0;
        var line = 1;
        while (offset < message.Length)
        {
            var rest = message[offset..];
            if (rest[0] == (byte)'.')
            {
                dot = true;
            }

            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            var length = end < 0 ? rest.Length : end;
            if (length > MaxLineLength)
            {
                throw new SmtpMessageException(SmtpMessageProblem.LineTooLong,
                    $"Line {line} of the message is {length} octets long; SMTP allows at most {MaxLineLength} before CRLF (RFC 5321 4.5.3.1.6). " +
                    "Encode long lines (quoted-printable or base64) before signing and sending; the client does not rewrite messages.");
            }

            if (end < 0)
            {
                crlf = false;
                added += 2;
                break;
            }

            if (rest[end] == (byte)'\r' && end + 1 < rest.Length && rest[end + 1] == (byte)'\n')
            {
                offset += end + 2;
            }
            else
            {
                crlf = false;
                added++;
                offset += end + 1;
            }

            line++;
        }

        return new SmtpContentInfo(has8Bit, crlf, dot, message.Length + added);
    }

    /// <summary>The message with CRLF line ends, ending with CRLF, without dot-stuffing (BDAT).</summary>
    public static ReadOnlyMemory<byte> Normalize(ReadOnlyMemory<byte> message, SmtpContentInfo info)
    {
        if (info.IsCrlf || message.IsEmpty)
        {
            return message;
        }

        var output = new ArrayBufferWriter<byte>((int)info.WireLength);
        Write(message.Span, output, dotStuff: false);
        return output.WrittenMemory;
    }

    /// <summary>Writes the message as DATA content into <paramref name="output"/>: CRLF line ends, leading dots doubled,
    /// ending with CRLF.CRLF.</summary>
    public static void WriteData(ReadOnlySpan<byte> message, SmtpContentInfo info, IBufferWriter<byte> output)
    {
        if (info.IsCrlf && !info.HasLeadingDot)
        {
            output.Write(message);
        }
        else
        {
            Write(message, output, dotStuff: true);
        }

        output.Write(".\r\n"u8);
    }

    private static void Write(ReadOnlySpan<byte> message, IBufferWriter<byte> output, bool dotStuff)
    {
        while (!message.IsEmpty)
        {
            if (dotStuff && message[0] == (byte)'.')
            {
                output.Write("."u8);
            }

            var end = message.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                output.Write(message);
                output.Write("\r\n"u8);
                return;
            }

            output.Write(message[..end]);
            output.Write("\r\n"u8);
            message = message[end] == (byte)'\r' && end + 1 < message.Length && message[end + 1] == (byte)'\n' ? message[(end + 2)..] : message[(end + 1)..];
        }
    }

    private static int LineNumber(ReadOnlySpan<byte> message, int offset) => message[..offset].Count((byte)'\n') + 1;
}
