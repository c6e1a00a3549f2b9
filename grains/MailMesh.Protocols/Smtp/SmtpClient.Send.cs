using System.Buffers;
using System.Text;
using MailMesh.Protocols.Smtp.Internal;

namespace MailMesh.Protocols.Smtp;

/// <summary>MAIL, RCPT, DATA: one message per call, pipelined when the server allows it.</summary>
public sealed partial class SmtpClient
{
    /// <summary>
    /// Sends <paramref name="message"/> (a complete RFC 5322 message; bare LF line ends are sent as CRLF,
    /// lines starting with a dot are dot-stuffed) to the envelope's recipients. Recipients the server
    /// refuses are listed in the result; when it refuses all of them nothing is sent and the call throws.
    /// </summary>
    /// <exception cref="SmtpCommandException">MAIL, every RCPT, or the data was refused (4xx: try later).</exception>
    /// <exception cref="ArgumentException">An address is malformed, or the message is larger than the server's SIZE limit,
    /// has 8-bit data the server cannot take, or has non-ASCII addresses without SMTPUTF8.</exception>
    private async Task<SmtpSendResult> SendCoreAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("The envelope has no recipients.", nameof(envelope));
        }

        CheckAddress(envelope.From, allowEmpty: true, "the reverse path (MAIL FROM)");
        foreach (var recipient in envelope.Recipients)
        {
            CheckAddress(recipient, allowEmpty: false, "a recipient (RCPT TO)");
        }

        using var scope = Enter("MAIL", SmtpSessionState.Ready);
        var mail = MailCommand(envelope, message.Span);
        var commands = new List<string> { mail };
        commands.AddRange(envelope.Recipients.Select(r => $"RCPT TO:<{r}>"));
        var result = await RunAsync(async token =>
        {
            var replies = new List<SmtpReply>();
            if (Capabilities.Pipelining)
            {
                // RFC 2920: MAIL, the RCPTs and DATA go in one write; the replies come back in order.
                await WriteAsync(Encoding.UTF8.GetBytes(string.Concat(commands.Select(c => c + "\r\n")) + "DATA\r\n"), token).ConfigureAwait(false);
                for (var i = 0; i <= commands.Count; i++)
                {
                    replies.Add(await _reader!.ReadReplyAsync(token).ConfigureAwait(false));
                }
            }
            else
            {
                foreach (var command in commands)
                {
                    var reply = await CommandAsync(command, token).ConfigureAwait(false);
                    replies.Add(reply);
                    if (command == mail && reply.Code != 250)
                    {
                        return (Outcome: replies, Sent: (SmtpReply?)null);
                    }
                }

                if (replies.Skip(1).Any(r => r.Code is 250 or 251))
                {
                    replies.Add(await CommandAsync("DATA", token).ConfigureAwait(false));
                }
            }

            var dataReply = replies.Count > commands.Count ? replies[commands.Count] : null;
            if (replies[0].Code != 250 || dataReply is null || dataReply.Code != 354)
            {
                if (dataReply?.Code == 354)
                {
                    // Pipelined DATA was accepted although MAIL or every RCPT failed: end it empty (RFC 2920 section 3.1).
                    await WriteAsync(".\r\n"u8.ToArray(), token).ConfigureAwait(false);
                    await _reader!.ReadReplyAsync(token).ConfigureAwait(false);
                }

                await CommandAsync("RSET", token).ConfigureAwait(false);
                return (Outcome: replies, Sent: (SmtpReply?)null);
            }

            await WriteAsync(DotStuff(message.Span), token).ConfigureAwait(false);
            using var dataTimeout = new CancellationTokenSource(_options.DataTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, dataTimeout.Token);
            return (Outcome: replies, Sent: await _reader!.ReadReplyAsync(linked.Token).ConfigureAwait(false));
        }, cancellationToken, _options.CommandTimeout + _options.DataTimeout).ConfigureAwait(false);

        var (all, final) = result;
        var mailReply = all[0];
        if (mailReply.Code != 250)
        {
            throw new SmtpCommandException("MAIL", mailReply.Code, mailReply.EnhancedCode, mailReply.TextWithoutEnhancedCode);
        }

        var accepted = new List<string>();
        var rejected = new List<SmtpRejectedRecipient>();
        for (var i = 0; i < envelope.Recipients.Count && i + 1 < all.Count; i++)
        {
            var reply = all[i + 1];
            if (reply.Code is 250 or 251)
            {
                accepted.Add(envelope.Recipients[i]);
            }
            else
            {
                rejected.Add(new SmtpRejectedRecipient(envelope.Recipients[i], reply.Code, reply.Text));
            }
        }

        if (accepted.Count == 0)
        {
            var first = all.Skip(1).FirstOrDefault(r => r.Code is not (250 or 251)) ?? mailReply;
            throw new SmtpCommandException("RCPT", first.Code, first.EnhancedCode,
                $"every recipient was refused ({string.Join("; ", rejected.Select(r => $"{r.Address}: {r.Code} {r.Text}"))})");
        }

        if (final is null)
        {
            var data = all.Count > envelope.Recipients.Count + 1 ? all[envelope.Recipients.Count + 1] : mailReply;
            throw new SmtpCommandException("DATA", data.Code, data.EnhancedCode, data.TextWithoutEnhancedCode);
        }

        if (final.Code != 250)
        {
            throw new SmtpCommandException("DATA", final.Code, final.EnhancedCode, final.TextWithoutEnhancedCode);
        }

        SmtpLog.Sent(_logger, _options.Host, message.Length, accepted.Count, final.Text);
        return new SmtpSendResult(accepted, rejected, final.ToString());
    }

    private string MailCommand(SmtpEnvelope envelope, ReadOnlySpan<byte> message)
    {
        var builder = new StringBuilder("MAIL FROM:<").Append(envelope.From).Append('>');
        if (Capabilities.MaxSize is { } max)
        {
            if (max > 0 && message.Length > max)
            {
                throw new ArgumentException($"The message is {message.Length} bytes; the SMTP server {_options.Host} accepts at most {max} (SIZE).", nameof(message));
            }

            builder.Append(" SIZE=").Append(message.Length);
        }

        if (message.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
        {
            if (!Capabilities.EightBitMime)
            {
                throw new ArgumentException(
                    $"The message has 8-bit data but the SMTP server {_options.Host} does not offer 8BITMIME; encode it (quoted-printable or base64) first.", nameof(message));
            }

            builder.Append(" BODY=8BITMIME");
        }

        var utf8 = !Ascii.IsValid(envelope.From) || envelope.Recipients.Any(r => !Ascii.IsValid(r));
        if (utf8)
        {
            if (!Capabilities.SmtpUtf8)
            {
                throw new ArgumentException($"The envelope has non-ASCII addresses but the SMTP server {_options.Host} does not offer SMTPUTF8.", nameof(envelope));
            }

            builder.Append(" SMTPUTF8");
        }

        if (Capabilities.Dsn)
        {
            if (envelope.ReturnHeadersOnly is { } headersOnly)
            {
                builder.Append(headersOnly ? " RET=HDRS" : " RET=FULL");
            }

            if (envelope.EnvelopeId is { } id)
            {
                if (id.Length is 0 or > 100 || !id.All(c => c is > ' ' and <= '~'))
                {
                    throw new ArgumentException($"The DSN envelope id '{id}' must be 1-100 printable ASCII characters.", nameof(envelope));
                }

                builder.Append(" ENVID=").Append(XText(id));
            }
        }

        return builder.ToString();
    }

    private static void CheckAddress(string address, bool allowEmpty, string what)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Length == 0)
        {
            if (!allowEmpty)
            {
                throw new ArgumentException($"{what} is empty.", nameof(address));
            }

            return;
        }

        if (address.Length > 320 || address.Any(c => c is '<' or '>' or '\r' or '\n' or ' ' or '\t' or '\0') || address.IndexOf('@', StringComparison.Ordinal) is <= 0 || address.EndsWith('@'))
        {
            throw new ArgumentException($"{what} '{address}' is not a mailbox of the form local@domain (no spaces, angle brackets or line breaks).", nameof(address));
        }
    }

    /// <summary>The message as DATA content: CRLF line ends, leading dots doubled, ending with CRLF.CRLF.</summary>
    internal static byte[] DotStuff(ReadOnlySpan<byte> message)
    {
        var output = new ArrayBufferWriter<byte>(message.Length + (message.Length / 50) + 8);
        var atLineStart = true;
        while (!message.IsEmpty)
        {
            if (atLineStart && message[0] == (byte)'.')
            {
                output.Write("."u8);
            }

            var end = message.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                output.Write(message);
                output.Write("\r\n"u8);
                atLineStart = true;
                message = [];
                break;
            }

            output.Write(message[..end]);
            output.Write("\r\n"u8);
            atLineStart = true;
            message = message[end] == (byte)'\r' && end + 1 < message.Length && message[end + 1] == (byte)'\n' ? message[(end + 2)..] : message[(end + 1)..];
        }

        output.Write(".\r\n"u8);
        return output.WrittenSpan.ToArray();
    }
}
