using System.Threading.Channels;
using MailMesh.Blobs;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>A folder's new messages, one batch (one UID FETCH) at a time, fetched in the background while the grain
/// commits the batch before (docs/adr/sync-06-pipelined-initial-sync.md). The fetch runs at most
/// <see cref="BatchesAhead"/> batches ahead of the commits: a finished batch waits in a bounded channel, and the fetch
/// of the one after it waits for room there, so memory holds a few batches of index rows whatever the folder's size
/// (bodies are streamed into the blob store and never held). A batch handed over has every blob stored (not yet
/// flushed); nothing is indexed or recorded here: the grain does that, in order, one batch per turn.</summary>
internal sealed class FolderFetchPipeline : IAsyncDisposable
{
    /// <summary>Finished batches that may wait for the grain while the next one is fetched.</summary>
    public const int BatchesAhead = 1;

    private readonly Channel<FetchedBatch> _batches =
        Channel.CreateBounded<FetchedBatch>(new BoundedChannelOptions(BatchesAhead) { SingleReader = true, SingleWriter = true });

    private readonly CancellationTokenSource _stop;
    private readonly TaskCompletionSource<int> _firstWait = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _fetch = Task.CompletedTask;

    private FolderFetchPipeline(CancellationToken cancellationToken) =>
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

    /// <summary>Starts fetching <paramref name="uids"/> (in this order, <paramref name="batchSize"/> per UID FETCH)
    /// on the thread pool. The client is the pipeline's until it completes or is disposed.</summary>
    public static FolderFetchPipeline Start(
        ImapClient client, IBlobStore blobs, SyncFolder folder, string blobPrefix, IReadOnlyList<uint> uids, int batchSize,
        ImapFetchItems items, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var pipeline = new FolderFetchPipeline(cancellationToken);
        // Not cancellable before it starts: FetchAllAsync always runs, so the channel is always completed.
        pipeline._fetch = Task.Run(() => pipeline.FetchAllAsync(client, blobs, folder, blobPrefix, uids, batchSize, items), CancellationToken.None);
        return pipeline;
    }

    /// <summary>The next fetched batch, in UID order; null once every batch was taken. A failed fetch surfaces here,
    /// after the batches that were complete before it.</summary>
    public async ValueTask<FetchedBatch?> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _batches.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is null)
        {
            return null;
        }
        catch (ChannelClosedException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
    }

    /// <summary>Waits until the background fetch has ended (the client is free again).</summary>
    public Task Completion => _fetch;

    /// <summary>Completes with the number of batches fetched so far the first time the fetch has to wait for the grain
    /// to take a batch (the bound at work); never, when the grain keeps up.</summary>
    internal Task<int> FirstWaitForRoom => _firstWait.Task;

    private async Task FetchAllAsync(ImapClient client, IBlobStore blobs, SyncFolder folder, string blobPrefix, IReadOnlyList<uint> uids, int batchSize, ImapFetchItems items)
    {
        var token = _stop.Token;
        try
        {
            for (var next = 0; next < uids.Count; next += batchSize)
            {
                var batch = new List<uint>(Math.Min(batchSize, uids.Count - next));
                for (var i = next; i < uids.Count && i < next + batchSize; i++)
                {
                    batch.Add(uids[i]);
                }

                var sink = new BlobFetchSink(blobs, folder, blobPrefix);
                try
                {
                    await client.UidFetchAsync(ImapUidSet.FromUids(batch), new ImapFetchRequest(items) { BatchSize = batch.Count }, sink, token).ConfigureAwait(false);
                    await sink.CompleteAsync().ConfigureAwait(false);
                }
                catch
                {
                    await sink.AbortAsync().ConfigureAwait(false);
                    throw;
                }

                // Waits here while the grain is BatchesAhead batches behind.
                var fetched = new FetchedBatch(batch, sink.Rows);
                if (!_batches.Writer.TryWrite(fetched))
                {
                    _firstWait.TrySetResult((next / batchSize) + 1);
                    await _batches.Writer.WriteAsync(fetched, token).ConfigureAwait(false);
                }
            }

            _batches.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _batches.Writer.TryComplete(e);
        }
    }

    /// <summary>Stops the fetch (if still running) and waits for it to end, so the client and the blob writes in flight
    /// are no longer used once this returns. Batches not taken are dropped: nothing indexes their blobs, and the next
    /// run fetches them again (the orphan sweep removes what it no longer needs).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _fetch.ConfigureAwait(false); // never faults: FetchAllAsync hands every error to the channel
        _stop.Dispose();
    }
}

/// <summary>One fetched batch: the UIDs asked for (in order) and the index rows of those the server returned (a message
/// expunged since the UID SEARCH is absent), every blob stored.</summary>
/// <param name="Uids">The UIDs of the batch's UID FETCH.</param>
/// <param name="Rows">Index rows in arrival order.</param>
internal sealed record FetchedBatch(IReadOnlyList<uint> Uids, List<IndexedMessage> Rows);

/// <summary>What the fetch needs of a folder, copied from its cursor (the grain keeps changing the cursor itself).</summary>
/// <param name="Mailbox">The mailbox key.</param>
/// <param name="Id">Folder id.</param>
/// <param name="Name">Folder name on the server.</param>
/// <param name="UidValidity">UIDVALIDITY the UIDs belong to.</param>
internal sealed record SyncFolder(string Mailbox, string Id, string Name, uint UidValidity);
