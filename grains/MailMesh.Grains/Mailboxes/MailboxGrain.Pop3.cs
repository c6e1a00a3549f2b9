using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Protocols.Pop3;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grains.Mailboxes;

/// <summary>POP3 steps: UIDL, then batches of RETR (blob, index row, then seen-list + events in one state write),
/// DELE after the commit unless leave-on-server, expiry of old messages, QUIT (which applies the deletions).</summary>
public sealed partial class MailboxGrain
{
    private async Task<bool> Pop3StepAsync(SyncRun run, CancellationToken cancellationToken)
    {
        var services = RequireSync();
        var source = syncState.State.Source!;
        if (run.Pop3 is null)
        {
            run.Pop3 = await ConnectPop3Async(source, services, cancellationToken);
            run.Pop3Listing = await run.Pop3.UidlAsync(cancellationToken);
            ScheduleRuleRuns();
            var seen = syncState.State.Pop3Seen;
            run.Pop3New.AddRange(run.Pop3Listing.Where(m => !seen.ContainsKey(m.Uid)));
            if (!syncState.State.Folders.ContainsKey(Pop3MessageStore.FolderId))
            {
                syncState.State.Folders[Pop3MessageStore.FolderId] = new FolderCursor
                {
                    Id = Pop3MessageStore.FolderId, Name = Pop3MessageStore.FolderName, UidValidity = Pop3MessageStore.UidValidity,
                };
                await syncState.WriteStateAsync(CancellationToken.None);
            }

            return false;
        }

        if (run.Pop3Next < run.Pop3New.Count)
        {
            await Pop3BatchAsync(run, run.Pop3, source, services, cancellationToken);
            return false;
        }

        await Pop3FinishAsync(run, run.Pop3, source, cancellationToken);
        return true;
    }

    private async Task Pop3BatchAsync(SyncRun run, Pop3Client client, SourceConfig source, MailboxSyncServices services, CancellationToken cancellationToken)
    {
        var batch = run.Pop3New.Skip(run.Pop3Next).Take(services.Options.BatchSize).ToList();

        // UIDs are assigned in server order from the persisted counter, so a batch downloaded again after a crash
        // gets the same UIDs and overwrites the same rows.
        var first = syncState.State.Pop3NextUid;
        var targets = batch.Select((m, i) => (m.Number, first + (uint)i, m.Uid)).ToList();
        var rows = await Pop3MessageStore.DownloadAsync(client, services.Blobs, GrainKey, BlobPrefix, targets, cancellationToken);
        var uid = first + (uint)rows.Count;
        // Blobs durable before their rows exist (docs/adr/blobs-02-local-packs.md).
        await services.Blobs.FlushAsync(cancellationToken);
        await services.Index.UpsertAsync(rows, cancellationToken);
        var now = TimeProvider.GetUtcNow();
        var cursor = syncState.State.Folders[Pop3MessageStore.FolderId];
        foreach (var row in rows)
        {
            syncState.State.Pop3Seen[row.SourceId!] = new Pop3Seen(row.Uid, now);
            RaiseEvent("message.received", GrainKey, new
            {
                folderId = cursor.Id, folder = cursor.Name, uidValidity = cursor.UidValidity, uid = row.Uid, messageId = row.MessageId,
                subject = row.Subject, from = row.From, size = row.Size, blob = row.BlobName, uidl = row.SourceId,
            });
        }

        syncState.State.Pop3NextUid = uid;
        cursor.LastUid = uid - 1;
        syncState.State.Status.MessageCount += rows.Count;
        run.New += rows.Count;
        QueueRuleRuns(cursor, rows);

        // DURABLE POINT: after this write the batch's messages (rows) are stored as blobs, indexed, their
        // message.received events are in the log and the cursor is past them; a crash after it never fetches them
        // again, a crash before it fetches and upserts the same rows again. Work that must see every new message
        // exactly once records its pending state in this same write (as QueueRuleRuns does) and runs after it.
        await syncState.WriteStateAsync(CancellationToken.None);
        ScheduleRuleRuns();
        foreach (var observer in services.Observers)
        {
            observer.BatchCommitted(GrainKey, rows.Count);
        }

        if (!source.Pop3LeaveOnServer)
        {
            await client.DeleteAsync(batch.Select(m => m.Number).ToList(), cancellationToken);
        }

        run.Pop3Next += batch.Count;
    }

    private async Task Pop3FinishAsync(SyncRun run, Pop3Client client, SourceConfig source, CancellationToken cancellationToken)
    {
        var seen = syncState.State.Pop3Seen;
        var deletedInBatches = source.Pop3LeaveOnServer ? [] : run.Pop3New.Select(m => m.Uid).ToHashSet(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        if (!source.Pop3LeaveOnServer)
        {
            // Downloaded earlier but still on the server (a crash before QUIT): delete them now.
            deleted.UnionWith(run.Pop3Listing.Where(m => seen.ContainsKey(m.Uid) && !deletedInBatches.Contains(m.Uid)).Select(m => m.Uid));
        }
        else if (source.Pop3DeleteAfterDays is { } days)
        {
            var cutoff = TimeProvider.GetUtcNow().AddDays(-days);
            deleted.UnionWith(run.Pop3Listing.Where(m => seen.TryGetValue(m.Uid, out var s) && s.DownloadedAt <= cutoff).Select(m => m.Uid));
        }

        var numbers = run.Pop3Listing.Where(m => deleted.Contains(m.Uid)).Select(m => m.Number).ToList();
        if (numbers.Count > 0)
        {
            await client.DeleteAsync(numbers, cancellationToken);
        }

        await client.QuitAsync(cancellationToken);

        // Forget UIDLs the server no longer has (deleted now or by someone else): the seen-list stays bounded.
        var present = run.Pop3Listing.Select(m => m.Uid).Where(u => !deleted.Contains(u) && !deletedInBatches.Contains(u)).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in seen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            seen.Remove(gone);
        }
    }

    private async Task<Pop3Client> ConnectPop3Async(SourceConfig source, MailboxSyncServices services, CancellationToken cancellationToken)
    {
        var client = new Pop3Client(
            new Pop3ClientOptions
            {
                Host = source.Host,
                Port = source.Port,
                Tls = SourceConnector.ToTlsMode(source.Tls),
                TlsOptions = SourceConnector.TlsOptionsFor(source),
                ConnectTimeout = services.Options.ConnectTimeout,
                CommandTimeout = services.Options.CommandTimeout,
            },
            services.LoggerFactory.CreateLogger<Pop3Client>());
        try
        {
            await client.ConnectAsync(cancellationToken);
            await client.AuthenticateAsync(source.UserName, services.Protector.Unprotect(source.Secret, GrainKey), cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }
}
