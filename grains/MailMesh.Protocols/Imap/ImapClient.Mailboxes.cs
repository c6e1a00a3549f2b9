using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>Mailbox commands: LIST (SPECIAL-USE, LIST-STATUS), STATUS, CREATE, DELETE, RENAME.</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// LIST with special-use attributes (RFC 6154) and, when <paramref name="statusItems"/> is given, each
    /// mailbox's status: in the same command with LIST-STATUS (RFC 5819), else by pipelined STATUS commands.
    /// </summary>
    public async Task<IReadOnlyList<ImapMailboxInfo>> ListAsync(
        string reference = "", string pattern = "*", ImapStatusItems statusItems = ImapStatusItems.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(pattern);
        using var scope = BeginOperation("LIST", ImapSessionState.Authenticated, ImapSessionState.Selected);
        var utf8 = _enabled.Contains("UTF8=ACCEPT");
        var builder = Command("LIST").Atom("LIST")
            .QuotedOrLiteral(utf8 ? reference : ImapUtf7.Encode(reference))
            .QuotedOrLiteral(utf8 ? pattern : ImapUtf7.Encode(pattern));
        var returns = new List<string>();
        if (Capabilities.SpecialUse && Capabilities.ListExtended)
        {
            returns.Add("SPECIAL-USE");
        }

        var inline = statusItems != ImapStatusItems.None && Capabilities.ListStatus;
        if (inline)
        {
            returns.Add("STATUS " + StatusItemList(statusItems));
        }

        if (returns.Count > 0)
        {
            builder.Atom("RETURN (" + string.Join(' ', returns) + ")");
        }

        var mailboxes = new List<ImapMailboxInfo>();
        var byRawName = new Dictionary<string, ImapMailboxInfo>(StringComparer.Ordinal);
        _untaggedHandler = async (kind, token) =>
        {
            if (kind == UntaggedKind.List)
            {
                var (raw, info) = await ReadListAsync(token).ConfigureAwait(false);
                mailboxes.Add(info);
                byRawName[raw] = info;
                return true;
            }

            if (kind == UntaggedKind.Status)
            {
                var (raw, status) = await ReadStatusAsync(token).ConfigureAwait(false);
                if (byRawName.TryGetValue(raw, out var info))
                {
                    info.Status = status;
                }

                return true;
            }

            return false;
        };
        try
        {
            await ExecuteAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
            if (statusItems != ImapStatusItems.None && !inline)
            {
                var commands = new List<ImapCommand>();
                foreach (var (raw, info) in byRawName)
                {
                    if (info.CanSelect)
                    {
                        commands.Add(Command("STATUS").Atom("STATUS").AString(raw).Atom(StatusItemList(statusItems)).Build());
                    }
                }

                if (commands.Count > 0)
                {
                    await RunAsync(commands, _options.MaxPipelinedCommands, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _untaggedHandler = null;
        }

        return mailboxes;
    }

    /// <summary>STATUS of one mailbox (RFC 3501 6.3.10).</summary>
    public async Task<ImapMailboxStatus> StatusAsync(string mailbox, ImapStatusItems items, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        if (items == ImapStatusItems.None)
        {
            throw new ArgumentException("Ask for at least one STATUS item.", nameof(items));
        }

        using var scope = BeginOperation("STATUS", ImapSessionState.Authenticated, ImapSessionState.Selected);
        ImapMailboxStatus? result = null;
        _untaggedHandler = async (kind, token) =>
        {
            if (kind != UntaggedKind.Status)
            {
                return false;
            }

            result = (await ReadStatusAsync(token).ConfigureAwait(false)).Status;
            return true;
        };
        try
        {
            await ExecuteAsync(Command("STATUS").Atom("STATUS").Mailbox(mailbox).Atom(StatusItemList(items)).Build(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _untaggedHandler = null;
        }

        return result ?? throw ImapProtocolException.Malformed($"STATUS {mailbox} completed without a STATUS response");
    }

    /// <summary>CREATE a mailbox.</summary>
    public Task CreateMailboxAsync(string mailbox, CancellationToken cancellationToken = default) =>
        SimpleMailboxCommandAsync("CREATE", mailbox, null, cancellationToken);

    /// <summary>DELETE a mailbox.</summary>
    public Task DeleteMailboxAsync(string mailbox, CancellationToken cancellationToken = default) =>
        SimpleMailboxCommandAsync("DELETE", mailbox, null, cancellationToken);

    /// <summary>RENAME a mailbox.</summary>
    public Task RenameMailboxAsync(string mailbox, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(newName);
        return SimpleMailboxCommandAsync("RENAME", mailbox, newName, cancellationToken);
    }

    /// <summary>SUBSCRIBE to a mailbox.</summary>
    public Task SubscribeAsync(string mailbox, CancellationToken cancellationToken = default) =>
        SimpleMailboxCommandAsync("SUBSCRIBE", mailbox, null, cancellationToken);

    private async Task SimpleMailboxCommandAsync(string name, string mailbox, string? second, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        using var scope = BeginOperation(name, ImapSessionState.Authenticated, ImapSessionState.Selected);
        var builder = Command(name).Atom(name).Mailbox(mailbox);
        if (second is not null)
        {
            builder.Mailbox(second);
        }

        await ExecuteAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
    }

    private static string StatusItemList(ImapStatusItems items)
    {
        var names = new List<string>();
        if (items.HasFlag(ImapStatusItems.Messages))
        {
            names.Add("MESSAGES");
        }

        if (items.HasFlag(ImapStatusItems.Recent))
        {
            names.Add("RECENT");
        }

        if (items.HasFlag(ImapStatusItems.UidNext))
        {
            names.Add("UIDNEXT");
        }

        if (items.HasFlag(ImapStatusItems.UidValidity))
        {
            names.Add("UIDVALIDITY");
        }

        if (items.HasFlag(ImapStatusItems.Unseen))
        {
            names.Add("UNSEEN");
        }

        if (items.HasFlag(ImapStatusItems.HighestModSeq))
        {
            names.Add("HIGHESTMODSEQ");
        }

        return "(" + string.Join(' ', names) + ")";
    }

    /// <summary>Reads a mailbox name as sent (quoted, literal or a bare astring that may contain brackets).</summary>
    private async ValueTask<string> ReadMailboxNameAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var first = await reader.PeekByteAsync(cancellationToken).ConfigureAwait(false);
        if (first is (byte)'"' or (byte)'{')
        {
            return await ImapParser.ReadNStringAsync(reader, "a mailbox name", cancellationToken).ConfigureAwait(false) ?? "NIL";
        }

        var name = await reader.ReadRawUntilAsync((byte)' ', cancellationToken).ConfigureAwait(false);
        return name.Length > 0 ? name : throw ImapProtocolException.Malformed("a mailbox name is missing");
    }

    private async ValueTask<(string Raw, ImapMailboxInfo Info)> ReadListAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var attributes = await ImapParser.ReadAtomListAsync(reader, "LIST attributes", cancellationToken).ConfigureAwait(false);
        var delimiter = await ImapParser.ReadNStringAsync(reader, "LIST delimiter", cancellationToken).ConfigureAwait(false);
        var raw = await ReadMailboxNameAsync(cancellationToken).ConfigureAwait(false);
        var next = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (next.Kind == ImapTokenKind.OpenParen)
        {
            // LIST-EXTENDED data such as ("CHILDINFO" ("SUBSCRIBED")): not needed here.
            var depth = 1;
            while (depth > 0)
            {
                var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
                depth += token.Kind == ImapTokenKind.OpenParen ? 1 : token.Kind == ImapTokenKind.CloseParen ? -1 : 0;
                if (token.Kind == ImapTokenKind.Eol)
                {
                    throw ImapProtocolException.Malformed("LIST extended data is not closed");
                }

                if (token.Kind == ImapTokenKind.Literal)
                {
                    await reader.ReadLiteralAsync(token.LiteralLength, null, cancellationToken).ConfigureAwait(false);
                }
            }

            next = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        if (next.Kind != ImapTokenKind.Eol)
        {
            throw ImapProtocolException.Malformed($"unexpected {ImapParser.Describe(reader, next)} after the LIST mailbox name {raw}");
        }

        var name = _enabled.Contains("UTF8=ACCEPT") ? raw : ImapUtf7.Decode(raw);
        char? separator = string.IsNullOrEmpty(delimiter) ? null : delimiter[0];
        return (raw, new ImapMailboxInfo(name, separator, attributes));
    }

    private async ValueTask<(string Raw, ImapMailboxStatus Status)> ReadStatusAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var raw = await ReadMailboxNameAsync(cancellationToken).ConfigureAwait(false);
        var status = new ImapMailboxStatus();
        await ImapParser.ExpectAsync(reader, ImapTokenKind.OpenParen, "STATUS", cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var item = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (item.Kind == ImapTokenKind.CloseParen)
            {
                break;
            }

            if (item.Kind != ImapTokenKind.Atom)
            {
                throw ImapProtocolException.Malformed($"expected a STATUS item name for {raw}, got {ImapParser.Describe(reader, item)}");
            }

            var isMessages = reader.Is(item, "MESSAGES"u8);
            var isRecent = reader.Is(item, "RECENT"u8);
            var isUidNext = reader.Is(item, "UIDNEXT"u8);
            var isValidity = reader.Is(item, "UIDVALIDITY"u8);
            var isUnseen = reader.Is(item, "UNSEEN"u8);
            var isModSeq = reader.Is(item, "HIGHESTMODSEQ"u8);
            var value = await ImapParser.ReadNumberAsync(reader, "STATUS " + raw, cancellationToken).ConfigureAwait(false);
            if (isMessages)
            {
                status.Messages = (uint)value;
            }
            else if (isRecent)
            {
                status.Recent = (uint)value;
            }
            else if (isUidNext)
            {
                status.UidNext = (uint)value;
            }
            else if (isValidity)
            {
                status.UidValidity = (uint)value;
            }
            else if (isUnseen)
            {
                status.Unseen = (uint)value;
            }
            else if (isModSeq)
            {
                status.HighestModSeq = value;
            }
        }

        await ImapParser.ExpectEolAsync(reader, "STATUS", cancellationToken).ConfigureAwait(false);
        return (raw, status);
    }
}
