using MailMesh.Blobs;
using MailMesh.Blobs.Local;
using MailMesh.Grains.Mailboxes.Sync;

namespace MailMesh.Grains.Mailboxes;

/// <summary>Collecting orphaned message blobs: blobs the sync wrote whose index row is gone (folder deleted or reset,
/// message removed from the index some other way, a run that crashed between its blob and its row).</summary>
public sealed partial class MailboxGrain
{
    private const int SweepPageSize = 1000;

    /// <summary>After a successful run, at most once per <see cref="MailboxSyncOptions.OrphanBlobSweepInterval"/> (counted
    /// from the first successful run):
    /// deletes the blobs named like the sync's own (<c>mail/&lt;mailbox&gt;/&lt;folder id&gt;/&lt;uidvalidity&gt;/&lt;uid&gt;.eml</c>)
    /// that no index row of this mailbox refers to and that are older than <see cref="MailboxSyncOptions.OrphanBlobGrace"/>.
    /// It runs in the grain's turn with no run in progress, so no batch of this mailbox is between its blobs and its
    /// rows; the grace period covers anything else. Blobs of other writers under the prefix (other names) are left alone.</summary>
    private async Task SweepOrphanBlobsIfDueAsync(DateTimeOffset now)
    {
        var services = RequireSync();
        var options = services.Options;
        var status = syncState.State.Status;
        if (options.OrphanBlobSweepInterval <= TimeSpan.Zero || (status.LastOrphanSweepAt is { } last && now - last < options.OrphanBlobSweepInterval))
        {
            return;
        }

        if (status.LastOrphanSweepAt is null)
        {
            // The first successful run (usually the initial sync) only starts the clock: nothing it wrote is an orphan,
            // and the initial sync is not made longer by a scan of everything it just stored.
            status.LastOrphanSweepAt = now;
            return;
        }

        try
        {
            var (deleted, scanned) = await CollectOrphanBlobsAsync(services, now - options.OrphanBlobGrace);
            status.LastOrphanSweepAt = now;
            if (services.Blobs is LocalDirectoryBlobStore local)
            {
                // The space of deleted packed blobs (docs/adr/blobs-02-local-packs.md); store-wide, so at most hourly.
                await local.CompactIfDueAsync(TimeSpan.FromHours(1), options.OrphanBlobGrace);
            }

            if (deleted > 0)
            {
                SyncLog.OrphansDeleted(Logger, GrainKey, deleted, scanned);
                RaiseEvent("mailbox.blobs_collected", GrainKey, new { deleted, scanned });
            }
        }
        catch (Exception e) when (e is BlobStoreException or IOException)
        {
            // The run itself succeeded; the sweep is tried again after the next one.
            SyncLog.OrphanSweepFailed(Logger, GrainKey, e.Message);
        }
    }

    private async Task<(int Deleted, int Scanned)> CollectOrphanBlobsAsync(MailboxSyncServices services, DateTimeOffset writtenBefore)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        IndexSearchKey? after = null;
        do
        {
            var page = await services.Index.SearchAsync(GrainKey, new IndexSearch(SweepPageSize, After: after));
            foreach (var row in page.Rows)
            {
                referenced.Add(row.BlobName);
            }

            after = page.Next;
        }
        while (after is not null);

        var prefix = BlobPrefix + "/";
        var orphans = new List<string>();
        var scanned = 0;
        await foreach (var blob in services.Blobs.ListAsync(prefix))
        {
            if (!IsSyncBlobName(blob.Name.AsSpan(prefix.Length)))
            {
                continue;
            }

            scanned++;
            if (!referenced.Contains(blob.Name) && blob.LastModified < writtenBefore)
            {
                orphans.Add(blob.Name);
            }
        }

        foreach (var name in orphans)
        {
            await services.Blobs.DeleteAsync(name);
        }

        return (orphans.Count, scanned);
    }

    /// <summary>Whether a name below the mailbox's prefix is <c>&lt;folder id&gt;/&lt;uidvalidity&gt;/&lt;uid&gt;.eml</c>
    /// (folder id <c>f&lt;n&gt;</c>, or <c>pop3</c>), as <see cref="BlobFetchSink.BlobNameFor"/> makes them.</summary>
    internal static bool IsSyncBlobName(ReadOnlySpan<char> relative)
    {
        Span<Range> parts = stackalloc Range[4];
        if (relative.Split(parts, '/') != 3)
        {
            return false;
        }

        var folder = relative[parts[0]];
        var uid = relative[parts[2]];
        return (folder is "pop3" || (folder.Length > 1 && folder[0] == 'f' && uint.TryParse(folder[1..], out _)))
            && uint.TryParse(relative[parts[1]], out _)
            && uid.EndsWith(".eml", StringComparison.Ordinal) && uint.TryParse(uid[..^4], out _);
    }
}
