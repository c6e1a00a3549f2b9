using System.Text;
using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>UID FETCH in pipelined batches, streaming bodies to a sink.</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// Fetches <paramref name="uids"/> and streams each message to <paramref name="sink"/> as it arrives
    /// (bodies are never held whole). Closed ranges are split into batches of
    /// <see cref="ImapFetchRequest.BatchSize"/> UIDs sent pipelined, up to
    /// <see cref="ImapClientOptions.MaxPipelinedCommands"/> at once.
    /// </summary>
    public async Task<ImapFetchResult> UidFetchAsync(ImapUidSet uids, ImapFetchRequest request, IImapFetchSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return await FetchCoreAsync(uids, request, sink, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fetches <paramref name="uids"/> into memory (<see cref="ImapFetchResult.Messages"/>, bodies in
    /// <see cref="ImapFetchedMessage.Body"/>/<see cref="ImapFetchedMessage.Headers"/>). For large mailboxes
    /// or bodies use the sink overload.
    /// </summary>
    public async Task<ImapFetchResult> UidFetchAsync(ImapUidSet uids, ImapFetchRequest request, CancellationToken cancellationToken = default)
    {
        var messages = new List<ImapFetchedMessage>();
        var result = await FetchCoreAsync(uids, request, null, messages, cancellationToken).ConfigureAwait(false);
        return new ImapFetchResult(result.Count, result.Vanished, messages);
    }

    private async Task<ImapFetchResult> FetchCoreAsync(
        ImapUidSet uids, ImapFetchRequest request, IImapFetchSink? sink, List<ImapFetchedMessage>? collected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Vanished && (request.ChangedSince is null || !_enabled.Contains("QRESYNC")))
        {
            throw new InvalidOperationException("UID FETCH with VANISHED needs ChangedSince and QRESYNC enabled (EnableAsync(\"QRESYNC\")) before SELECT.");
        }

        using var scope = BeginOperation("UID FETCH", ImapSessionState.Selected);
        if (uids.IsEmpty)
        {
            return new ImapFetchResult(0, ImapUidSet.Empty, []);
        }

        var items = BuildFetchItems(request.Items);
        var commands = new List<ImapCommand>();
        foreach (var batch in uids.Split(request.BatchSize ?? _options.FetchBatchSize))
        {
            var builder = Command("UID FETCH").Atom("UID FETCH").Atom(batch.ToString()).Atom(items);
            if (request.ChangedSince is { } since)
            {
                builder.Atom(request.Vanished ? $"(CHANGEDSINCE {since} VANISHED)" : $"(CHANGEDSINCE {since})");
            }

            commands.Add(builder.Build());
        }

        var count = 0;
        var vanished = new List<ImapUidSet>();
        _vanishedCollector = vanished;
        _fetchHandler = async (sequence, token) =>
        {
            var message = await ReadFetchAsync(sequence, sink, collected is not null, token).ConfigureAwait(false);
            count++;
            if (sink is not null)
            {
                await sink.MessageFetchedAsync(message, token).ConfigureAwait(false);
            }
            else
            {
                collected!.Add(message);
            }
        };
        try
        {
            await RunAsync(commands, _options.MaxPipelinedCommands, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _fetchHandler = null;
            _vanishedCollector = null;
        }

        foreach (var command in commands)
        {
            command.ThrowIfFailed();
        }

        return new ImapFetchResult(count, Merge(vanished), []);
    }

    private static string BuildFetchItems(ImapFetchItems items)
    {
        var builder = new StringBuilder("(UID");
        if (items.HasFlag(ImapFetchItems.Flags))
        {
            builder.Append(" FLAGS");
        }

        if (items.HasFlag(ImapFetchItems.Size))
        {
            builder.Append(" RFC822.SIZE");
        }

        if (items.HasFlag(ImapFetchItems.InternalDate))
        {
            builder.Append(" INTERNALDATE");
        }

        if (items.HasFlag(ImapFetchItems.ModSeq))
        {
            builder.Append(" MODSEQ");
        }

        if (items.HasFlag(ImapFetchItems.Envelope))
        {
            builder.Append(" ENVELOPE");
        }

        if (items.HasFlag(ImapFetchItems.Headers))
        {
            builder.Append(" BODY.PEEK[HEADER]");
        }

        if (items.HasFlag(ImapFetchItems.Body))
        {
            builder.Append(" BODY.PEEK[]");
        }

        return builder.Append(')').ToString();
    }

    private static ImapUidSet Merge(List<ImapUidSet> sets) => sets.Count switch
    {
        0 => ImapUidSet.Empty,
        1 => sets[0],
        _ => ImapUidSet.FromUids(sets.SelectMany(s => s)),
    };
}
