namespace MailMesh.Protocols.Imap;

/// <summary>SELECT/EXAMINE (with CONDSTORE and QRESYNC), CLOSE, UNSELECT.</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// SELECT (read-write). With <paramref name="qresync"/> (QRESYNC must be enabled first) the result also
    /// lists what was expunged and which flags changed since that mod-sequence. On a CONDSTORE server the
    /// mailbox is selected with CONDSTORE so <see cref="ImapMailbox.HighestModSeq"/> is reported.
    /// </summary>
    public Task<ImapSelectResult> SelectAsync(string mailbox, ImapQResyncParameters? qresync = null, CancellationToken cancellationToken = default) =>
        OpenMailboxAsync("SELECT", mailbox, qresync, cancellationToken);

    /// <summary>EXAMINE: like <see cref="SelectAsync"/> but read-only (flags are not changed by fetching).</summary>
    public Task<ImapSelectResult> ExamineAsync(string mailbox, ImapQResyncParameters? qresync = null, CancellationToken cancellationToken = default) =>
        OpenMailboxAsync("EXAMINE", mailbox, qresync, cancellationToken);

    /// <summary>CLOSE: expunges \Deleted messages (when read-write) and deselects.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("CLOSE", ImapSessionState.Selected);
        await ExecuteAsync(Command("CLOSE").Atom("CLOSE").Build(), cancellationToken).ConfigureAwait(false);
        Selected = null;
        State = ImapSessionState.Authenticated;
    }

    /// <summary>UNSELECT (RFC 3691): deselects without expunging.</summary>
    public async Task UnselectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("UNSELECT", ImapSessionState.Selected);
        if (!Capabilities.Unselect)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} does not support UNSELECT (RFC 3691); use CloseAsync.");
        }

        await ExecuteAsync(Command("UNSELECT").Atom("UNSELECT").Build(), cancellationToken).ConfigureAwait(false);
        Selected = null;
        State = ImapSessionState.Authenticated;
    }

    private async Task<ImapSelectResult> OpenMailboxAsync(string verb, string mailbox, ImapQResyncParameters? qresync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        using var scope = BeginOperation(verb, ImapSessionState.Authenticated, ImapSessionState.Selected);
        var builder = Command(verb).Atom(verb).Mailbox(mailbox);
        if (qresync is not null)
        {
            if (!_enabled.Contains("QRESYNC"))
            {
                throw new InvalidOperationException("SELECT with QRESYNC parameters needs QRESYNC enabled first: call EnableAsync([\"QRESYNC\"]) after login.");
            }

            var known = qresync.KnownUids is { IsEmpty: false } uids ? " " + uids : string.Empty;
            builder.Atom($"(QRESYNC ({qresync.UidValidity} {qresync.ModSeq}{known}))");
        }
        else if (Capabilities.CondStore)
        {
            builder.Atom("(CONDSTORE)");
        }

        var opened = new ImapMailbox(mailbox, verb == "EXAMINE");
        var changed = new List<ImapFetchedMessage>();
        var vanished = new List<ImapUidSet>();
        var command = builder.Build();

        // Responses from here on describe the new mailbox ([CLOSED] ends the old one).
        Selected = opened;
        State = ImapSessionState.Selected;
        _vanishedCollector = vanished;
        _fetchHandler = async (sequence, token) => changed.Add(await ReadFetchAsync(sequence, null, false, token).ConfigureAwait(false));
        try
        {
            await RunAsync([command], 1, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _fetchHandler = null;
            _vanishedCollector = null;
        }

        if (command.Status != ImapResponseStatus.Ok)
        {
            // RFC 3501: a failed SELECT leaves no mailbox selected.
            if (State != ImapSessionState.Broken)
            {
                Selected = null;
                State = ImapSessionState.Authenticated;
            }

            command.ThrowIfFailed();
        }

        return new ImapSelectResult(opened, Merge(vanished), changed);
    }
}
