using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>Untagged responses: state updates, events, and hand-off to the running command.</summary>
public sealed partial class ImapClient
{
    /// <summary>Untagged responses that belong to a particular command's result.</summary>
    private enum UntaggedKind
    {
        List,
        Status,
        Search,
        Esearch,
        Id,
    }

    /// <summary>Set by the running command to receive its untagged data (reads the rest of the line when it returns true).</summary>
    private Func<UntaggedKind, CancellationToken, ValueTask<bool>>? _untaggedHandler;

    /// <summary>Set by the running command to receive FETCH responses; otherwise FETCH raises flag events.</summary>
    private Func<uint, CancellationToken, ValueTask>? _fetchHandler;

    /// <summary>Set by commands that collect VANISHED (EARLIER) (QRESYNC select, fetch with VANISHED).</summary>
    private List<ImapUidSet>? _vanishedCollector;

    private async ValueTask HandleUntaggedAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (reader.TryGetNumber(token, out var number))
        {
            await HandleNumberedAsync((uint)Math.Min(number, uint.MaxValue), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (token.Kind != ImapTokenKind.Atom)
        {
            throw ImapProtocolException.Malformed($"an untagged response starts with {ImapParser.Describe(reader, token)}");
        }

        if (reader.Is(token, "OK"u8) || reader.Is(token, "NO"u8) || reader.Is(token, "BAD"u8) || reader.Is(token, "PREAUTH"u8))
        {
            var status = reader.GetString(token).ToUpperInvariant();
            var code = await ReadResponseCodeAsync(cancellationToken).ConfigureAwait(false);
            var text = await reader.ReadTextAsync(cancellationToken).ConfigureAwait(false);
            if (code is not null)
            {
                ApplyCode(code, text);
                if (_inflight.Count > 0)
                {
                    _inflight[^1].UntaggedCodes.Add(code);
                }
            }

            if (status == "PREAUTH")
            {
                State = ImapSessionState.Authenticated;
            }

            if (Greeting is null)
            {
                Greeting = text;
            }
            else if (status != "OK")
            {
                ImapLog.UntaggedStatus(_logger, status, text);
            }

            return;
        }

        if (reader.Is(token, "BYE"u8))
        {
            _ = await ReadResponseCodeAsync(cancellationToken).ConfigureAwait(false);
            _byeText = await reader.ReadTextAsync(cancellationToken).ConfigureAwait(false);
            Greeting ??= _byeText;
            return;
        }

        if (reader.Is(token, "CAPABILITY"u8))
        {
            Capabilities = new ImapCapabilities(await ImapParser.ReadAtomsUntilAsync(reader, ImapTokenKind.Eol, "CAPABILITY", cancellationToken).ConfigureAwait(false));
            return;
        }

        if (reader.Is(token, "ENABLED"u8))
        {
            foreach (var name in await ImapParser.ReadAtomsUntilAsync(reader, ImapTokenKind.Eol, "ENABLED", cancellationToken).ConfigureAwait(false))
            {
                _enabled.Add(name.ToUpperInvariant());
            }

            return;
        }

        if (reader.Is(token, "FLAGS"u8))
        {
            var flags = await ImapParser.ReadAtomListAsync(reader, "FLAGS", cancellationToken).ConfigureAwait(false);
            await ImapParser.ExpectEolAsync(reader, "FLAGS", cancellationToken).ConfigureAwait(false);
            if (Selected is not null)
            {
                Selected.Flags = flags;
            }

            return;
        }

        if (reader.Is(token, "VANISHED"u8))
        {
            await HandleVanishedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        UntaggedKind? kind = reader.Is(token, "LIST"u8) ? UntaggedKind.List
            : reader.Is(token, "STATUS"u8) ? UntaggedKind.Status
            : reader.Is(token, "SEARCH"u8) ? UntaggedKind.Search
            : reader.Is(token, "ESEARCH"u8) ? UntaggedKind.Esearch
            : reader.Is(token, "ID"u8) ? UntaggedKind.Id
            : null;
        if (kind is { } k && _untaggedHandler is { } handler && await handler(k, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await ImapParser.SkipLineAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask HandleNumberedAsync(uint number, CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var name = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (reader.Is(name, "FETCH"u8))
        {
            if (_fetchHandler is { } fetch)
            {
                await fetch(number, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var message = await ReadFetchAsync(number, null, false, cancellationToken).ConfigureAwait(false);
                if (Selected is not null)
                {
                    Raise(new ImapFlagsChangedEventArgs(Selected.Name, message));
                }
            }

            return;
        }

        if (reader.Is(name, "EXISTS"u8))
        {
            await ImapParser.ExpectEolAsync(reader, "EXISTS", cancellationToken).ConfigureAwait(false);
            if (Selected is not null)
            {
                Selected.Count = number;
                Raise(new ImapExistsEventArgs(Selected.Name, number));
            }

            return;
        }

        if (reader.Is(name, "EXPUNGE"u8))
        {
            await ImapParser.ExpectEolAsync(reader, "EXPUNGE", cancellationToken).ConfigureAwait(false);
            if (Selected is not null)
            {
                Selected.Count = Selected.Count > 0 ? Selected.Count - 1 : 0;
                Raise(new ImapExpungedEventArgs(Selected.Name, number));
            }

            return;
        }

        if (reader.Is(name, "RECENT"u8))
        {
            await ImapParser.ExpectEolAsync(reader, "RECENT", cancellationToken).ConfigureAwait(false);
            if (Selected is not null)
            {
                Selected.Recent = number;
            }

            return;
        }

        await ImapParser.SkipLineAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask HandleVanishedAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        var earlier = false;
        if (token.Kind == ImapTokenKind.OpenParen)
        {
            var tag = await ImapParser.ExpectAsync(reader, ImapTokenKind.Atom, "VANISHED", cancellationToken).ConfigureAwait(false);
            earlier = reader.Is(tag, "EARLIER"u8);
            await ImapParser.ExpectAsync(reader, ImapTokenKind.CloseParen, "VANISHED", cancellationToken).ConfigureAwait(false);
            token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        if (token.Kind != ImapTokenKind.Atom || !ImapUidSet.TryParse(reader.Bytes(token), out var uids))
        {
            throw ImapProtocolException.Malformed($"VANISHED carries {ImapParser.Describe(reader, token)} instead of a UID set");
        }

        await ImapParser.ExpectEolAsync(reader, "VANISHED", cancellationToken).ConfigureAwait(false);
        if (earlier && _vanishedCollector is not null)
        {
            _vanishedCollector.Add(uids);
        }

        if (Selected is not null)
        {
            if (!earlier && !uids.IsOpenEnded)
            {
                Selected.Count = (uint)Math.Max(0, Selected.Count - uids.Count);
            }

            Raise(new ImapVanishedEventArgs(Selected.Name, uids, earlier));
        }
    }

    /// <summary>Reads an optional <c>[CODE args]</c> after a status word.</summary>
    private async ValueTask<ImapResponseCode?> ReadResponseCodeAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        if (await reader.PeekByteAsync(cancellationToken).ConfigureAwait(false) != (byte)'[')
        {
            return null;
        }

        reader.Skip(1);
        var nameToken = await ImapParser.ExpectAsync(reader, ImapTokenKind.Atom, "a response code", cancellationToken).ConfigureAwait(false);
        var code = new ImapResponseCode(reader.GetString(nameToken).ToUpperInvariant());
        switch (code.Name)
        {
            case "UIDVALIDITY" or "UIDNEXT" or "UNSEEN" or "HIGHESTMODSEQ":
                code.Number = await ImapParser.ReadNumberAsync(reader, "[" + code.Name + "]", cancellationToken).ConfigureAwait(false);
                break;
            case "CAPABILITY":
                code.Items = await ImapParser.ReadAtomsUntilAsync(reader, ImapTokenKind.CloseBracket, "[CAPABILITY]", cancellationToken).ConfigureAwait(false);
                return code;
            case "PERMANENTFLAGS":
                code.Items = await ImapParser.ReadAtomListAsync(reader, "[PERMANENTFLAGS]", cancellationToken).ConfigureAwait(false);
                break;
            case "COPYUID":
                var validity = await ImapParser.ReadUInt32Async(reader, "[COPYUID]", cancellationToken).ConfigureAwait(false);
                var source = await ReadUidSetAsync("[COPYUID]", cancellationToken).ConfigureAwait(false);
                var destination = await ReadUidSetAsync("[COPYUID]", cancellationToken).ConfigureAwait(false);
                code.CopyUid = new ImapCopyResult(validity, source, destination);
                break;
            case "APPENDUID":
                var appendValidity = await ImapParser.ReadUInt32Async(reader, "[APPENDUID]", cancellationToken).ConfigureAwait(false);
                var appended = await ReadUidSetAsync("[APPENDUID]", cancellationToken).ConfigureAwait(false);
                code.AppendUid = new ImapAppendResult(appendValidity, appended.Ranges[0].Start);
                code.AppendUids = appended;
                break;
            case "MODIFIED":
                code.Modified = await ReadUidSetAsync("[MODIFIED]", cancellationToken).ConfigureAwait(false);
                break;
            default:
                if (await reader.PeekByteAsync(cancellationToken).ConfigureAwait(false) != (byte)']')
                {
                    code.Text = await reader.ReadRawUntilAsync((byte)']', cancellationToken).ConfigureAwait(false);
                }

                break;
        }

        if (await reader.PeekByteAsync(cancellationToken).ConfigureAwait(false) != (byte)']')
        {
            throw ImapProtocolException.Malformed($"the response code [{code.Name}] is not closed with ']'");
        }

        reader.Skip(1);
        return code;
    }

    private async ValueTask<ImapUidSet> ReadUidSetAsync(string context, CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token.Kind != ImapTokenKind.Atom || !ImapUidSet.TryParse(reader.Bytes(token), out var set))
        {
            throw ImapProtocolException.Malformed($"{context} has {ImapParser.Describe(reader, token)} instead of a UID set");
        }

        return set;
    }

    /// <summary>Applies what a response code says about the session.</summary>
    private void ApplyCode(ImapResponseCode code, string text)
    {
        switch (code.Name)
        {
            case "CAPABILITY" when code.Items is not null:
                Capabilities = new ImapCapabilities(code.Items);
                break;
            case "ALERT":
                RaiseAlert(text);
                break;
            case "UIDVALIDITY" when Selected is not null:
                Selected.UidValidity = (uint)code.Number!.Value;
                break;
            case "UIDNEXT" when Selected is not null:
                Selected.UidNext = (uint)code.Number!.Value;
                break;
            case "HIGHESTMODSEQ" when Selected is not null:
                Selected.HighestModSeq = code.Number!.Value;
                break;
            case "NOMODSEQ" when Selected is not null:
                Selected.NoModSeq = true;
                break;
            case "PERMANENTFLAGS" when Selected is not null && code.Items is not null:
                Selected.PermanentFlags = code.Items;
                break;
            case "READ-ONLY" when Selected is not null:
                Selected.IsReadOnly = true;
                break;
            case "READ-WRITE" when Selected is not null:
                Selected.IsReadOnly = false;
                break;
            default:
                break;
        }
    }
}
