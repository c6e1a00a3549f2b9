using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>UID STORE, UID COPY, UID MOVE (with fallback), EXPUNGE.</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// UID STORE (+FLAGS / -FLAGS / FLAGS, .SILENT by default). With <paramref name="unchangedSince"/>
    /// (CONDSTORE) messages changed after that mod-sequence are left alone and listed in
    /// <see cref="ImapStoreResult.Modified"/>.
    /// </summary>
    public async Task<ImapStoreResult> UidStoreAsync(
        ImapUidSet uids, ImapStoreMode mode, IEnumerable<string> flags, bool silent = true, ulong? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(flags);
        using var scope = BeginOperation("UID STORE", ImapSessionState.Selected);
        if (unchangedSince is not null && !Capabilities.CondStore)
        {
            throw new NotSupportedException($"UNCHANGEDSINCE needs CONDSTORE, which the IMAP server {_options.Host} does not offer.");
        }

        var flagList = flags.ToList();
        foreach (var flag in flagList)
        {
            if (string.IsNullOrEmpty(flag) || flag.Any(c => c is ' ' or '(' or ')' or '"' or '{' or '\r' or '\n' or ']' || c > 126))
            {
                throw new ArgumentException($"'{flag}' is not a valid IMAP flag or keyword (no spaces, parentheses, quotes, braces or non-ASCII).", nameof(flags));
            }
        }

        if (uids.IsEmpty)
        {
            return new ImapStoreResult(ImapUidSet.Empty, []);
        }

        var item = (mode switch { ImapStoreMode.Add => "+FLAGS", ImapStoreMode.Remove => "-FLAGS", _ => "FLAGS" }) + (silent ? ".SILENT" : string.Empty);
        var builder = Command("UID STORE").Atom("UID STORE").Atom(uids.ToString());
        if (unchangedSince is { } since)
        {
            builder.Atom($"(UNCHANGEDSINCE {since})");
        }

        var command = builder.Atom(item).Atom("(" + string.Join(' ', flagList) + ")").Build();
        var updated = new List<ImapFetchedMessage>();
        _fetchHandler = async (sequence, token) => updated.Add(await ReadFetchAsync(sequence, null, false, token).ConfigureAwait(false));
        try
        {
            await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _fetchHandler = null;
        }

        return new ImapStoreResult(command.Code?.Modified ?? ImapUidSet.Empty, updated);
    }

    /// <summary>UID COPY; returns where the copies went when the server has UIDPLUS, else null.</summary>
    public async Task<ImapCopyResult?> UidCopyAsync(ImapUidSet uids, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        using var scope = BeginOperation("UID COPY", ImapSessionState.Selected);
        var command = await ExecuteAsync(Command("UID COPY").Atom("UID COPY").Atom(uids.ToString()).Mailbox(destination).Build(), cancellationToken).ConfigureAwait(false);
        return command.Code?.CopyUid;
    }

    /// <summary>
    /// UID MOVE (RFC 6851). Without MOVE it falls back to UID COPY, UID STORE +FLAGS.SILENT (\Deleted)
    /// and UID EXPUNGE, which needs UIDPLUS (a plain EXPUNGE could remove other deleted messages, so
    /// the client refuses rather than risk it).
    /// </summary>
    public async Task<ImapCopyResult?> UidMoveAsync(ImapUidSet uids, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        using var scope = BeginOperation("UID MOVE", ImapSessionState.Selected);
        if (Capabilities.Move)
        {
            var move = await ExecuteAsync(Command("UID MOVE").Atom("UID MOVE").Atom(uids.ToString()).Mailbox(destination).Build(), cancellationToken).ConfigureAwait(false);
            return move.Code?.CopyUid ?? move.UntaggedCodes.Find(c => c.CopyUid is not null)?.CopyUid;
        }

        if (!Capabilities.UidPlus)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} offers neither MOVE nor UIDPLUS; moving would need a plain EXPUNGE that could remove other deleted messages.");
        }

        var copy = await ExecuteAsync(Command("UID COPY").Atom("UID COPY").Atom(uids.ToString()).Mailbox(destination).Build(), cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(Command("UID STORE").Atom("UID STORE").Atom(uids.ToString()).Atom("+FLAGS.SILENT (\\Deleted)").Build(), cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(Command("UID EXPUNGE").Atom("UID EXPUNGE").Atom(uids.ToString()).Build(), cancellationToken).ConfigureAwait(false);
        return copy.Code?.CopyUid;
    }

    /// <summary>UID EXPUNGE (UIDPLUS): removes only the given \Deleted messages.</summary>
    public async Task UidExpungeAsync(ImapUidSet uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        using var scope = BeginOperation("UID EXPUNGE", ImapSessionState.Selected);
        if (!Capabilities.UidPlus)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} does not support UID EXPUNGE (UIDPLUS); use ExpungeAsync.");
        }

        await ExecuteAsync(Command("UID EXPUNGE").Atom("UID EXPUNGE").Atom(uids.ToString()).Build(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>EXPUNGE: removes every \Deleted message in the selected mailbox.</summary>
    public async Task ExpungeAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("EXPUNGE", ImapSessionState.Selected);
        await ExecuteAsync(Command("EXPUNGE").Atom("EXPUNGE").Build(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// UID SEARCH with criteria in IMAP syntax (e.g. <c>UNSEEN</c>, <c>UID 100:*</c>, <c>MODSEQ 1234</c>,
    /// <c>SINCE 1-Jan-2026</c>). The criteria are sent as given: quote user-supplied strings yourself.
    /// </summary>
    public async Task<IReadOnlyList<uint>> UidSearchAsync(string criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(criteria);
        if (criteria.Contains('\r', StringComparison.Ordinal) || criteria.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("Search criteria must not contain line breaks.", nameof(criteria));
        }

        using var scope = BeginOperation("UID SEARCH", ImapSessionState.Selected);
        var results = new List<uint>();
        _untaggedHandler = async (kind, token) =>
        {
            if (kind != UntaggedKind.Search)
            {
                return false;
            }

            var reader = _reader!;
            while (true)
            {
                var next = await reader.ReadTokenAsync(token).ConfigureAwait(false);
                if (next.Kind == ImapTokenKind.Eol)
                {
                    return true;
                }

                if (next.Kind == ImapTokenKind.OpenParen)
                {
                    // (MODSEQ n) trailer of a CONDSTORE search.
                    await ImapParser.SkipLineAsync(reader, token).ConfigureAwait(false);
                    return true;
                }

                if (!reader.TryGetNumber(next, out var uid) || uid > uint.MaxValue)
                {
                    throw ImapProtocolException.Malformed($"SEARCH result has {ImapParser.Describe(reader, next)} instead of a UID");
                }

                results.Add((uint)uid);
            }
        };
        try
        {
            await ExecuteAsync(Command("UID SEARCH").Atom("UID SEARCH").Atom(criteria).Build(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _untaggedHandler = null;
        }

        return results;
    }
}
