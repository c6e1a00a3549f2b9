using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary>Mailbox updates, sources, sync and messages.</summary>
public sealed partial class MailboxesClient
{
    /// <summary>Changes a mailbox's display name or address.</summary>
    public Task<Mailbox> UpdateAsync(UpdateMailboxRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UpdateMailboxRequest, Mailbox>(Service.FindMethodByName("Update"), request, options, cancellationToken);

    /// <summary>Deletes a mailbox with its stored messages.</summary>
    public Task<DeleteMailboxResponse> DeleteAsync(DeleteMailboxRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DeleteMailboxRequest, DeleteMailboxResponse>(Service.FindMethodByName("Delete"), request, options, cancellationToken);

    /// <summary>Sets or replaces a mailbox's mail source.</summary>
    public Task<MailboxSource> SetSourceAsync(SetSourceRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SetSourceRequest, MailboxSource>(Service.FindMethodByName("SetSource"), request, options, cancellationToken);

    /// <summary>The configured source, without secrets.</summary>
    public Task<MailboxSource> GetSourceAsync(GetSourceRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetSourceRequest, MailboxSource>(Service.FindMethodByName("GetSource"), request, options, cancellationToken);

    /// <summary>Removes the source; stored messages stay.</summary>
    public Task<RemoveSourceResponse> RemoveSourceAsync(RemoveSourceRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<RemoveSourceRequest, RemoveSourceResponse>(Service.FindMethodByName("RemoveSource"), request, options, cancellationToken);

    /// <summary>Starts a sync run without waiting for it.</summary>
    public Task<SyncResponse> SyncAsync(SyncRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SyncRequest, SyncResponse>(Service.FindMethodByName("Sync"), request, options, cancellationToken);

    /// <summary>Sync status and progress.</summary>
    public Task<SyncStatus> GetSyncStatusAsync(GetSyncStatusRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetSyncStatusRequest, SyncStatus>(Service.FindMethodByName("GetSyncStatus"), request, options, cancellationToken);

    /// <summary>
    /// Starts a sync run and waits until a run that includes the request has ended, reporting the status after
    /// every poll. Returns the final status; check <see cref="SyncStatus.LastErrorKind"/> for the outcome.
    /// </summary>
    public async Task<SyncStatus> SyncAndWaitAsync(
        string name, IProgress<SyncStatus>? progress = null, TimeSpan? pollInterval = null, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = await SyncAsync(new SyncRequest { Name = name }, options, cancellationToken).ConfigureAwait(false);
        var status = started.Status;
        progress?.Report(status);
        while (status.Runs < started.CompletesAtRun)
        {
            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            status = await GetSyncStatusAsync(new GetSyncStatusRequest { Name = name }, options, cancellationToken).ConfigureAwait(false);
            progress?.Report(status);
        }

        return status;
    }

    /// <summary>The synced folders.</summary>
    public Task<ListFoldersResponse> ListFoldersAsync(ListFoldersRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListFoldersRequest, ListFoldersResponse>(Service.FindMethodByName("ListFolders"), request, options, cancellationToken);

    /// <summary>Lists or searches messages, one page at a time.</summary>
    public Task<ListMessagesResponse> ListMessagesAsync(ListMessagesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListMessagesRequest, ListMessagesResponse>(Service.FindMethodByName("ListMessages"), request, options, cancellationToken);

    /// <summary>One message, optionally parsed.</summary>
    public Task<MessageDetails> GetMessageAsync(GetMessageRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetMessageRequest, MessageDetails>(Service.FindMethodByName("GetMessage"), request, options, cancellationToken);

    /// <summary>The raw MIME of one message as chunks.</summary>
    public IAsyncEnumerable<RawMessageChunk> FetchRawMessageAsync(FetchRawMessageRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.ServerStreamingAsync<FetchRawMessageRequest, RawMessageChunk>(Service.FindMethodByName("FetchRawMessage"), request, options, cancellationToken);

    /// <summary>Writes the raw MIME of one message to <paramref name="destination"/>; returns the bytes written.</summary>
    public async Task<long> DownloadRawMessageAsync(FetchRawMessageRequest request, Stream destination, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long written = 0;
        await foreach (var chunk in FetchRawMessageAsync(request, options, cancellationToken).ConfigureAwait(false))
        {
            await destination.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
            written += chunk.Data.Length;
        }

        return written;
    }

    /// <summary>Adds and removes flags of one message.</summary>
    public Task<SetFlagsResponse> SetFlagsAsync(SetFlagsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SetFlagsRequest, SetFlagsResponse>(Service.FindMethodByName("SetFlags"), request, options, cancellationToken);

    /// <summary>Moves one message to another folder.</summary>
    public Task<MoveMessageResponse> MoveMessageAsync(MoveMessageRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<MoveMessageRequest, MoveMessageResponse>(Service.FindMethodByName("MoveMessage"), request, options, cancellationToken);
}
