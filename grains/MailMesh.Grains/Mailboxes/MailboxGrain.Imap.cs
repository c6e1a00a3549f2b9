using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes;

/// <summary>The IMAP steps of a run: connect and reconcile folders; per folder reconcile flags and expunges and list
/// new UIDs; then fetch new messages in batches (blob, then index row, then cursor + events in one state write).</summary>
public sealed partial class MailboxGrain
{
    private string BlobPrefix => "mail/" + GrainKey;

    private async Task<bool> ImapStepAsync(SyncRun run, CancellationToken cancellationToken)
    {
        var services = RequireSync();
        if (run.Client is null)
        {
            run.Client = await SourceConnector.ConnectImapAsync(syncState.State.Source!, GrainKey, services, cancellationToken);
            await ReconcileFoldersAsync(run, run.Client, cancellationToken);
            ScheduleRuleRuns();
            return false;
        }

        if (run.Current is null)
        {
            if (!run.PendingFolders.TryDequeue(out var folderId))
            {
                await run.Client.LogoutAsync(cancellationToken);
                return true;
            }

            run.Current = await PrepareFolderAsync(run, run.Client, folderId, cancellationToken);
            return false;
        }

        await FetchBatchAsync(run, run.Client, run.Current, cancellationToken);
        return false;
    }

    private async Task ReconcileFoldersAsync(SyncRun run, ImapClient client, CancellationToken cancellationToken)
    {
        var source = syncState.State.Source!;
        var index = RequireSync().Index;
        var listed = await client.ListAsync("", "*", ImapStatusItems.UidValidity, cancellationToken);
        var onServer = listed.Where(f => f.CanSelect && FolderFilter.Matches(source.Folders, f.Name)).ToList();
        var serverNames = onServer.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var known = syncState.State.Folders;
        var changed = false;
        foreach (var cursor in known.Values.Where(c => !serverNames.Contains(c.Name)).ToList())
        {
            var knownNames = known.Values.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            var renamed = cursor.UidValidity == 0 ? null : onServer.FirstOrDefault(f =>
                !knownNames.Contains(f.Name) && f.Status?.UidValidity == cursor.UidValidity);
            if (renamed is not null)
            {
                await index.RenameFolderAsync(GrainKey, cursor.Id, renamed.Name, cancellationToken);
                SyncLog.FolderRenamed(Logger, GrainKey, cursor.Name, renamed.Name);
                RaiseEvent("mailbox.folder_renamed", GrainKey, new { folderId = cursor.Id, from = cursor.Name, to = renamed.Name });
                cursor.Name = renamed.Name;
            }
            else
            {
                await index.DeleteFolderAsync(GrainKey, cursor.Id, null, cancellationToken);
                RaiseEvent("mailbox.folder_deleted", GrainKey, new { folderId = cursor.Id, folder = cursor.Name });
                known.Remove(cursor.Id);
            }

            changed = true;
        }

        var names = known.Values.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in onServer.Where(f => !names.Contains(f.Name)))
        {
            var id = "f" + syncState.State.NextFolderNumber++;
            known[id] = new FolderCursor { Id = id, Name = folder.Name };
            RaiseEvent("mailbox.folder_created", GrainKey, new { folderId = id, folder = folder.Name });
            changed = true;
        }

        if (changed)
        {
            await syncState.WriteStateAsync(CancellationToken.None);
        }

        foreach (var cursor in known.Values.OrderBy(c => c.Name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? 0 : 1).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            run.PendingFolders.Enqueue(cursor.Id);
        }
    }

    private async Task<FolderWork?> PrepareFolderAsync(SyncRun run, ImapClient client, string folderId, CancellationToken cancellationToken)
    {
        if (!syncState.State.Folders.TryGetValue(folderId, out var cursor))
        {
            return null;
        }

        var index = RequireSync().Index;
        await ApplyPendingAsync(cursor, cancellationToken);

        // RFC 7162: with QRESYNC the server reports, in the EXAMINE answer itself, what was expunged (VANISHED
        // (EARLIER)) and whose flags changed since the mod-sequence this cursor is at.
        var qresync = client.EnabledExtensions.Contains("QRESYNC") && cursor.UidValidity != 0 && cursor.LastUid > 0 && cursor.HighestModSeq > 0
            ? new ImapQResyncParameters(cursor.UidValidity, cursor.HighestModSeq, ImapUidSet.Range(1, cursor.LastUid))
            : null;
        ImapSelectResult selected;
        try
        {
            selected = await client.ExamineAsync(cursor.Name, qresync, cancellationToken);
        }
        catch (ImapCommandException)
        {
            // Deleted on the server since LIST: the next run's folder reconciliation records it.
            return null;
        }

        var mailbox = selected.Mailbox;
        if (cursor.UidValidity != mailbox.UidValidity)
        {
            if (cursor.UidValidity != 0)
            {
                SyncLog.UidValidityChanged(Logger, GrainKey, cursor.Name, cursor.UidValidity, mailbox.UidValidity);
                RaiseEvent("mailbox.folder_reset", GrainKey, new { folderId = cursor.Id, folder = cursor.Name, oldUidValidity = cursor.UidValidity, uidValidity = mailbox.UidValidity });
            }

            // Rows of the old UIDVALIDITY go; rows already written under the new one are upserted again.
            await index.DeleteFolderAsync(GrainKey, cursor.Id, mailbox.UidValidity, cancellationToken);
            cursor.UidValidity = mailbox.UidValidity;
            cursor.LastUid = 0;
            cursor.HighestModSeq = mailbox.HighestModSeq;
            cursor.PendingExpunges.Clear();
            cursor.PendingFlags.Clear();
            cursor.IndexedAhead.Clear();
            await syncState.WriteStateAsync(CancellationToken.None);
        }
        else if (cursor.LastUid > 0 && qresync is not null && mailbox.HighestModSeq > 0)
        {
            await ReconcileQResyncAsync(run, cursor, selected, cancellationToken);
        }
        else if (cursor.LastUid > 0)
        {
            await ReconcileExistingAsync(run, client, cursor, mailbox, cancellationToken);
        }
        else if (cursor.HighestModSeq != mailbox.HighestModSeq)
        {
            cursor.HighestModSeq = mailbox.HighestModSeq;
            await syncState.WriteStateAsync(CancellationToken.None);
        }

        var found = mailbox.Count == 0 ? [] : await client.UidSearchAsync($"UID {cursor.LastUid + 1}:*", cancellationToken);
        var ahead = cursor.IndexedAhead.ToHashSet();
        var newUids = found.Where(u => u > cursor.LastUid && !ahead.Contains(u)).Distinct().Order().ToList();
        var skippedUpTo = found.Where(ahead.Contains).DefaultIfEmpty().Max();
        if (newUids.Count == 0 && skippedUpTo > cursor.LastUid)
        {
            // Only messages moved in through the API (indexed when they were moved) are above the cursor.
            PassIndexedAhead(cursor, skippedUpTo);
            await syncState.WriteStateAsync(CancellationToken.None);
        }

        return newUids.Count == 0 ? null : new FolderWork(cursor.Id, newUids, skippedUpTo);
    }

    /// <summary>Moves the cursor to <paramref name="uid"/> (every UID up to it is stored) and forgets the moved-in
    /// UIDs it passed.</summary>
    private static void PassIndexedAhead(FolderCursor cursor, uint uid)
    {
        cursor.LastUid = Math.Max(cursor.LastUid, uid);
        cursor.IndexedAhead.RemoveAll(u => u <= cursor.LastUid);
    }

    private async Task ReconcileExistingAsync(SyncRun run, ImapClient client, FolderCursor cursor, ImapMailbox mailbox, CancellationToken cancellationToken)
    {
        var condStore = client.Capabilities.CondStore && mailbox.HighestModSeq > 0 && cursor.HighestModSeq > 0;
        if (condStore && mailbox.HighestModSeq == cursor.HighestModSeq)
        {
            return;
        }

        var known = RequireSync().Index;
        var indexed = await known.GetFlagsAsync(GrainKey, cursor.Id, cursor.UidValidity, cancellationToken);
        var range = ImapUidSet.Range(1, cursor.LastUid);
        IReadOnlyList<ImapFetchedMessage> fetched;
        HashSet<uint> alive;
        if (condStore)
        {
            fetched = (await client.UidFetchAsync(range, new ImapFetchRequest(ImapFetchItems.Flags | ImapFetchItems.ModSeq) { ChangedSince = cursor.HighestModSeq }, cancellationToken)).Messages;
            alive = mailbox.Count == 0 ? [] : [.. await client.UidSearchAsync($"UID 1:{cursor.LastUid}", cancellationToken)];
        }
        else
        {
            fetched = mailbox.Count == 0 ? [] : (await client.UidFetchAsync(range, new ImapFetchRequest(ImapFetchItems.Flags), cancellationToken)).Messages;
            alive = [.. fetched.Where(m => m.Uid is not null).Select(m => m.Uid!.Value)];
        }

        var pendingExpunged = cursor.PendingExpunges.ToHashSet();
        var expunged = indexed.Keys.Where(u => u <= cursor.LastUid && !alive.Contains(u) && !pendingExpunged.Contains(u)).Order().ToList();
        await RecordChangesAsync(run, cursor, FlagChanges(fetched, indexed, cursor.LastUid), expunged, mailbox.HighestModSeq, cancellationToken);
    }

    /// <summary>QRESYNC: the expunges (VANISHED) and flag changes (FETCH) came with EXAMINE; no UID listing needed.</summary>
    private async Task ReconcileQResyncAsync(SyncRun run, FolderCursor cursor, ImapSelectResult selected, CancellationToken cancellationToken)
    {
        run.QResyncFolders++;
        if (selected.Vanished.IsEmpty && selected.Changed.Count == 0)
        {
            if (cursor.HighestModSeq != selected.Mailbox.HighestModSeq)
            {
                cursor.HighestModSeq = selected.Mailbox.HighestModSeq;
                await syncState.WriteStateAsync(CancellationToken.None);
            }

            return;
        }

        var indexed = await RequireSync().Index.GetFlagsAsync(GrainKey, cursor.Id, cursor.UidValidity, cancellationToken);
        var pendingExpunged = cursor.PendingExpunges.ToHashSet();
        var expunged = selected.Vanished.Where(u => u <= cursor.LastUid && indexed.ContainsKey(u) && !pendingExpunged.Contains(u)).Distinct().Order().ToList();
        var vanished = expunged.ToHashSet();
        var changes = FlagChanges(selected.Changed.Where(m => m.Uid is { } uid && !vanished.Contains(uid)), indexed, cursor.LastUid);
        await RecordChangesAsync(run, cursor, changes, expunged, selected.Mailbox.HighestModSeq, cancellationToken);
    }

    /// <summary>Flag changes of indexed messages (UIDs above the cursor are new messages, fetched whole later).</summary>
    private static List<PendingFlagChange> FlagChanges(IEnumerable<ImapFetchedMessage> fetched, IReadOnlyDictionary<uint, (string Flags, ulong ModSeq)> indexed, uint lastUid)
    {
        var changes = new List<PendingFlagChange>();
        foreach (var message in fetched)
        {
            if (message.Uid is { } uid && uid <= lastUid && message.Flags is not null && indexed.TryGetValue(uid, out var row))
            {
                var flags = FlagText.Normalize(message.Flags);
                if (!string.Equals(flags, row.Flags, StringComparison.Ordinal))
                {
                    changes.Add(new PendingFlagChange(uid, flags, message.ModSeq ?? 0));
                }
            }
        }

        return changes;
    }

    /// <summary>Events and the pending index changes are one state write; the index follows (idempotently) after it.</summary>
    private async Task RecordChangesAsync(
        SyncRun run, FolderCursor cursor, List<PendingFlagChange> flagChanges, List<uint> expunged, ulong highestModSeq, CancellationToken cancellationToken)
    {
        foreach (var change in flagChanges)
        {
            RaiseEvent("message.flags_changed", GrainKey, new { folderId = cursor.Id, folder = cursor.Name, uidValidity = cursor.UidValidity, uid = change.Uid, flags = FlagText.Split(change.Flags), origin = "server" });
        }

        foreach (var uid in expunged)
        {
            RaiseEvent("message.expunged", GrainKey, new { folderId = cursor.Id, folder = cursor.Name, uidValidity = cursor.UidValidity, uid });
        }

        cursor.PendingFlags.AddRange(flagChanges);
        cursor.PendingExpunges.AddRange(expunged);
        cursor.HighestModSeq = highestModSeq;
        run.FlagChanges += flagChanges.Count;
        run.Expunged += expunged.Count;
        await syncState.WriteStateAsync(CancellationToken.None);
        await ApplyPendingAsync(cursor, cancellationToken);
    }

    private async Task ApplyPendingAsync(FolderCursor cursor, CancellationToken cancellationToken)
    {
        if (cursor.PendingFlags.Count == 0 && cursor.PendingExpunges.Count == 0)
        {
            return;
        }

        var index = RequireSync().Index;
        await index.UpdateFlagsAsync(GrainKey, cursor.Id, cursor.UidValidity, cursor.PendingFlags.Select(p => (p.Uid, p.Flags, p.ModSeq)).ToList(), cancellationToken);
        await index.DeleteAsync(GrainKey, cursor.Id, cursor.UidValidity, cursor.PendingExpunges, cancellationToken);
        // Their blobs (a message moved in through the API keeps a blob under another name: the sweep finds it).
        foreach (var uid in cursor.PendingExpunges)
        {
            await RequireSync().Blobs.DeleteAsync(BlobFetchSink.BlobNameFor(BlobPrefix, cursor.Id, cursor.UidValidity, uid), cancellationToken);
        }

        cursor.PendingFlags.Clear();
        cursor.PendingExpunges.Clear();
        await syncState.WriteStateAsync(CancellationToken.None);
    }

    /// <summary>One <c>message.received</c> per row. Compiled optimized at once: it runs once per batch over up to
    /// thousands of rows, so waiting for tiered compilation would run the first dozens of batches unoptimized.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void RaiseReceived(FolderCursor cursor, List<IndexedMessage> rows)
    {
        foreach (var row in rows)
        {
            RaiseEvent("message.received", GrainKey, new
            {
                folderId = cursor.Id, folder = cursor.Name, uidValidity = cursor.UidValidity, uid = row.Uid, messageId = row.MessageId,
                subject = row.Subject, from = row.From, size = row.Size, blob = row.BlobName,
            });
        }
    }

    /// <summary>Commits the next batch of the folder's new messages. The batches are fetched by a
    /// <see cref="FolderFetchPipeline"/> started on the folder's first batch, which keeps fetching (blobs stored, rows
    /// built) while this turn makes the batch before durable and commits it (docs/adr/sync-06-pipelined-initial-sync.md).</summary>
    private async Task FetchBatchAsync(SyncRun run, ImapClient client, FolderWork work, CancellationToken cancellationToken)
    {
        var services = RequireSync();
        var cursor = syncState.State.Folders[work.FolderId];
        if (run.Pipeline is null)
        {
            var items = ImapFetchItems.Summary | ImapFetchItems.Body | (client.Capabilities.CondStore ? ImapFetchItems.ModSeq : 0);
            var remaining = work.NewUids.GetRange(work.Next, work.NewUids.Count - work.Next);
            run.Pipeline = FolderFetchPipeline.Start(
                client, services.Blobs, new SyncFolder(GrainKey, cursor.Id, cursor.Name, cursor.UidValidity), BlobPrefix, remaining,
                services.Options.BatchSize, items, cancellationToken);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var batch = await run.Pipeline.NextAsync(cancellationToken)
            ?? throw new InvalidOperationException($"The fetch of folder '{cursor.Name}' ended with {work.NewUids.Count - work.Next} UIDs not fetched.");
        SyncDiagnostics.RecordPhase("wait", started);

        // Blobs durable first (one flush for the batch, docs/adr/blobs-02-local-packs.md), then the index rows; the
        // cursor advance and the events follow in one state write. A crash in between fetches the same UIDs again and
        // upserts the same rows; the batch fetched ahead meanwhile has blobs but no rows and is fetched again too.
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        await services.Blobs.FlushAsync(cancellationToken);
        SyncDiagnostics.RecordPhase("flush", started);
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        await services.Index.UpsertAsync(batch.Rows, cancellationToken);
        SyncDiagnostics.RecordPhase("index", started);
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        RaiseReceived(cursor, batch.Rows);

        // The last batch of the folder: every UID the search found is stored, including those skipped as indexed already.
        var last = work.Next + batch.Uids.Count >= work.NewUids.Count;
        PassIndexedAhead(cursor, last ? Math.Max(batch.Uids[^1], work.SkippedUpTo) : batch.Uids[^1]);
        syncState.State.Status.MessageCount += batch.Rows.Count;
        run.New += batch.Rows.Count;
        QueueRuleRuns(cursor, batch.Rows);

        // DURABLE POINT: after this write the batch's messages (batch.Rows) are stored as blobs, indexed, their
        // message.received events are in the log and the cursor is past them; a crash after it never fetches them
        // again, a crash before it fetches and upserts the same rows again. Work that must see every new message
        // exactly once records its pending state in this same write (as QueueRuleRuns does) and runs after it.
        await syncState.WriteStateAsync(CancellationToken.None);
        SyncDiagnostics.RecordPhase("commit", started);
        SyncDiagnostics.RecordCommitted(batch.Rows.Count);
        ScheduleRuleRuns();
        foreach (var observer in services.Observers)
        {
            observer.BatchCommitted(GrainKey, batch.Rows.Count);
        }

        work.Next += batch.Uids.Count;
        if (last)
        {
            // The fetch has handed over its last batch; once it has ended, the client is free for the next folder.
            await run.Pipeline.DisposeAsync();
            run.Pipeline = null;
            run.Current = null;
        }
    }
}
