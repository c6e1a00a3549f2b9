using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>Parsing one FETCH response: <c>* n FETCH (item value ...)</c>.</summary>
public sealed partial class ImapClient
{
    private async ValueTask<ImapFetchedMessage> ReadFetchAsync(uint sequence, IImapFetchSink? sink, bool bufferBodies, CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var message = new ImapFetchedMessage(sequence);
        await ImapParser.ExpectAsync(reader, ImapTokenKind.OpenParen, "FETCH", cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var name = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (name.Kind == ImapTokenKind.CloseParen)
            {
                break;
            }

            if (name.Kind != ImapTokenKind.Atom)
            {
                throw ImapProtocolException.Malformed($"expected a FETCH item name for message {sequence}, got {ImapParser.Describe(reader, name)}");
            }

            if (reader.Is(name, "UID"u8))
            {
                message.Uid = await ImapParser.ReadUInt32Async(reader, "FETCH UID", cancellationToken).ConfigureAwait(false);
            }
            else if (reader.Is(name, "FLAGS"u8))
            {
                message.Flags = await ImapParser.ReadAtomListAsync(reader, "FETCH FLAGS", cancellationToken).ConfigureAwait(false);
            }
            else if (reader.Is(name, "RFC822.SIZE"u8))
            {
                message.Size = (long)await ImapParser.ReadNumberAsync(reader, "FETCH RFC822.SIZE", cancellationToken).ConfigureAwait(false);
            }
            else if (reader.Is(name, "MODSEQ"u8))
            {
                await ImapParser.ExpectAsync(reader, ImapTokenKind.OpenParen, "FETCH MODSEQ", cancellationToken).ConfigureAwait(false);
                message.ModSeq = await ImapParser.ReadNumberAsync(reader, "FETCH MODSEQ", cancellationToken).ConfigureAwait(false);
                await ImapParser.ExpectAsync(reader, ImapTokenKind.CloseParen, "FETCH MODSEQ", cancellationToken).ConfigureAwait(false);
                if (Selected is not null && message.ModSeq > Selected.HighestModSeq && sink is null && !bufferBodies)
                {
                    // An unsolicited change: the mailbox's mod-sequence moved at least this far.
                    Selected.HighestModSeq = message.ModSeq.Value;
                }
            }
            else if (reader.Is(name, "INTERNALDATE"u8))
            {
                var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
                if (token.Kind == ImapTokenKind.QuotedString)
                {
                    message.InternalDate = ImapDate.TryParse(reader.Bytes(token), out var date)
                        ? date
                        : throw ImapProtocolException.Malformed($"INTERNALDATE \"{reader.GetString(token)}\" of message {sequence} is not dd-Mon-yyyy hh:mm:ss +zzzz");
                }
            }
            else if (reader.Is(name, "ENVELOPE"u8))
            {
                message.Envelope = await ReadEnvelopeAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (reader.Is(name, "BODY"u8) || reader.Is(name, "BINARY"u8) || reader.Is(name, "RFC822"u8) ||
                     reader.Is(name, "RFC822.HEADER"u8) || reader.Is(name, "RFC822.TEXT"u8))
            {
                ImapBodySection? section = reader.Is(name, "RFC822"u8) ? ImapBodySection.Full
                    : reader.Is(name, "RFC822.HEADER"u8) ? ImapBodySection.Header
                    : null;
                var isBinary = reader.Is(name, "BINARY"u8);
                var next = await reader.PeekTokenAsync(cancellationToken).ConfigureAwait(false);
                if (next.Kind == ImapTokenKind.OpenBracket)
                {
                    var parsed = await ReadSectionAsync(cancellationToken).ConfigureAwait(false);
                    section = isBinary ? null : parsed;
                }
                else if (reader.Is(name, "BODY"u8))
                {
                    // BODY without a section is the non-extensible BODYSTRUCTURE.
                    await ImapParser.SkipValueAsync(reader, _options.MaxNestingDepth, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await ReadBodyValueAsync(message, section, sink, bufferBodies, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var next = await reader.PeekTokenAsync(cancellationToken).ConfigureAwait(false);
                if (next.Kind == ImapTokenKind.OpenBracket)
                {
                    await ReadSectionAsync(cancellationToken).ConfigureAwait(false);
                }

                await ImapParser.SkipValueAsync(reader, _options.MaxNestingDepth, cancellationToken).ConfigureAwait(false);
            }
        }

        await ImapParser.ExpectEolAsync(reader, "FETCH", cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>Reads <c>[section]</c> and an optional <c>&lt;origin&gt;</c>; returns Full/Header or null for other sections.</summary>
    private async ValueTask<ImapBodySection?> ReadSectionAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        await ImapParser.ExpectAsync(reader, ImapTokenKind.OpenBracket, "a body section", cancellationToken).ConfigureAwait(false);
        ImapBodySection? section = ImapBodySection.Full;
        var first = true;
        var depth = 0;
        while (true)
        {
            var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (token.Kind == ImapTokenKind.CloseBracket && depth == 0)
            {
                break;
            }

            switch (token.Kind)
            {
                case ImapTokenKind.Eol:
                    throw ImapProtocolException.Malformed("a body section is not closed with ']'");
                case ImapTokenKind.OpenParen:
                    depth++;
                    break;
                case ImapTokenKind.CloseParen:
                    depth--;
                    break;
                case ImapTokenKind.Literal:
                    await reader.ReadLiteralAsync(token.LiteralLength, null, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    break;
            }

            section = first && reader.Is(token, "HEADER"u8) ? ImapBodySection.Header : null;
            first = false;
        }

        var origin = await reader.PeekTokenAsync(cancellationToken).ConfigureAwait(false);
        if (origin.Kind == ImapTokenKind.Atom && reader.Bytes(origin) is [(byte)'<', ..])
        {
            await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        return section;
    }

    private async ValueTask ReadBodyValueAsync(
        ImapFetchedMessage message, ImapBodySection? section, IImapFetchSink? sink, bool bufferBodies, CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        ReadOnlyMemory<byte>? inline = null;
        switch (token.Kind)
        {
            case ImapTokenKind.Literal:
                if (token.LiteralLength > _options.MaxLiteralSize)
                {
                    throw ImapProtocolException.Malformed(
                        $"message {message.Uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "#" + message.SequenceNumber} announces a {token.LiteralLength}-byte body, over ImapClientOptions.MaxLiteralSize ({_options.MaxLiteralSize})");
                }

                if (section is { } s && sink is not null)
                {
                    var target = await sink.OpenBodyAsync(new ImapBodyPart(message.SequenceNumber, message.Uid, s, token.LiteralLength), cancellationToken).ConfigureAwait(false);
                    await reader.ReadLiteralAsync(token.LiteralLength, target, cancellationToken).ConfigureAwait(false);
                }
                else if (section is not null && bufferBodies)
                {
                    var buffer = new MemoryStream(token.LiteralLength > 16 * 1024 * 1024 ? 16 * 1024 * 1024 : (int)token.LiteralLength);
                    await reader.ReadLiteralAsync(token.LiteralLength, buffer, cancellationToken).ConfigureAwait(false);
                    inline = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
                }
                else
                {
                    await reader.ReadLiteralAsync(token.LiteralLength, null, cancellationToken).ConfigureAwait(false);
                }

                break;
            case ImapTokenKind.QuotedString:
                var bytes = reader.Bytes(token).ToArray();
                if (section is { } quotedSection && sink is not null)
                {
                    var target = await sink.OpenBodyAsync(new ImapBodyPart(message.SequenceNumber, message.Uid, quotedSection, bytes.Length), cancellationToken).ConfigureAwait(false);
                    if (target is not null)
                    {
                        await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    }
                }

                inline = bytes;
                break;
            case ImapTokenKind.Atom when reader.Is(token, "NIL"u8):
                return;
            default:
                throw ImapProtocolException.Malformed($"a body section of message {message.SequenceNumber} has {ImapParser.Describe(reader, token)} instead of a string");
        }

        if (bufferBodies && inline is { } data)
        {
            if (section == ImapBodySection.Full)
            {
                message.Body = data;
            }
            else if (section == ImapBodySection.Header)
            {
                message.Headers = data;
            }
        }
    }

    private async ValueTask<ImapEnvelope> ReadEnvelopeAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        await ImapParser.ExpectAsync(reader, ImapTokenKind.OpenParen, "ENVELOPE", cancellationToken).ConfigureAwait(false);
        var envelope = new ImapEnvelope
        {
            Date = await ImapParser.ReadNStringAsync(reader, "ENVELOPE date", cancellationToken).ConfigureAwait(false),
            Subject = await ImapParser.ReadNStringAsync(reader, "ENVELOPE subject", cancellationToken).ConfigureAwait(false),
            From = await ReadAddressesAsync(cancellationToken).ConfigureAwait(false),
            Sender = await ReadAddressesAsync(cancellationToken).ConfigureAwait(false),
            ReplyTo = await ReadAddressesAsync(cancellationToken).ConfigureAwait(false),
            To = await ReadAddressesAsync(cancellationToken).ConfigureAwait(false),
            Cc = await ReadAddressesAsync(cancellationToken).ConfigureAwait(false),
            Bcc = await ReadAddressesAsync(cancellationToken).ConfigureAwait(false),
            InReplyTo = await ImapParser.ReadNStringAsync(reader, "ENVELOPE in-reply-to", cancellationToken).ConfigureAwait(false),
            MessageId = await ImapParser.ReadNStringAsync(reader, "ENVELOPE message-id", cancellationToken).ConfigureAwait(false),
        };
        await ImapParser.ExpectAsync(reader, ImapTokenKind.CloseParen, "ENVELOPE", cancellationToken).ConfigureAwait(false);
        return envelope;
    }

    private async ValueTask<IReadOnlyList<ImapAddress>> ReadAddressesAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var open = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (reader.Is(open, "NIL"u8))
        {
            return [];
        }

        if (open.Kind != ImapTokenKind.OpenParen)
        {
            throw ImapProtocolException.Malformed($"expected an ENVELOPE address list, got {ImapParser.Describe(reader, open)}");
        }

        var addresses = new List<ImapAddress>(1);
        while (true)
        {
            var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (token.Kind == ImapTokenKind.CloseParen)
            {
                return addresses;
            }

            if (token.Kind != ImapTokenKind.OpenParen)
            {
                throw ImapProtocolException.Malformed($"expected '(' to open an ENVELOPE address, got {ImapParser.Describe(reader, token)}");
            }

            var name = await ImapParser.ReadNStringAsync(reader, "address name", cancellationToken).ConfigureAwait(false);
            _ = await ImapParser.ReadNStringAsync(reader, "address route", cancellationToken).ConfigureAwait(false);
            var mailbox = await ImapParser.ReadNStringAsync(reader, "address mailbox", cancellationToken).ConfigureAwait(false);
            var host = await ImapParser.ReadNStringAsync(reader, "address host", cancellationToken).ConfigureAwait(false);
            await ImapParser.ExpectAsync(reader, ImapTokenKind.CloseParen, "an ENVELOPE address", cancellationToken).ConfigureAwait(false);
            addresses.Add(new ImapAddress(name, mailbox, host));
        }
    }
}
