using System.Text.Json;
using MailMesh.Blobs;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Bounces;

/// <summary>Reads the event log for <c>message.received</c> events of the mailboxes configured as bounce mailboxes
/// (<see cref="BounceOptions.Mailboxes"/>), loads each message from the blob store and processes it. Each message is
/// processed once: its key (<c>mailbox/folder/uidvalidity/uid</c>) is remembered with the cursor in one transaction, and
/// the contact ledgers ignore a notice id they have seen (so a crash between the two repeats nothing). Past other
/// events the cursor is stored at most once per <see cref="CursorSaveInterval"/>, and when the log goes quiet.</summary>
public sealed partial class BounceMailboxReader(
    IEventLog events, IBlobStore blobs, BounceProcessor processor, IBounceStore store, IOptions<BounceOptions> options, TimeProvider time,
    ILogger<BounceMailboxReader> logger) : BackgroundService
{
    /// <summary>The cursor's name in the bounce store.</summary>
    public const string CursorName = "mailbox-events";

    /// <summary>How long the cursor may run ahead of its stored value while it only moves past events that are not new
    /// messages of a bounce mailbox (a campaign's <c>message.sent</c>, other mailboxes' messages). Storing it costs a
    /// commit and a disk sync; one per event was the largest cost of a campaign's send path after composition. A restart
    /// reads those events again and passes them again.</summary>
    private static readonly TimeSpan CursorSaveInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly List<(long Sequence, TaskCompletionSource Done)> _waiters = [];
    private long _processedThrough;

    /// <summary>Completes once every event up to <paramref name="sequence"/> was looked at (processed when it was a bounce
    /// mailbox's new message).</summary>
    public Task WaitForSequenceAsync(long sequence, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_processedThrough >= sequence)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((sequence, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var mailboxes = new HashSet<string>(options.Value.Mailboxes, StringComparer.Ordinal);
        var cursor = await store.GetCursorAsync(CursorName, stoppingToken).ConfigureAwait(false);
        var saved = (Sequence: cursor, At: time.GetUtcNow());
        Advance(cursor);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The last sequence is read before the events: every event up to it is committed when the read below runs,
                // so when that read finds no new message, none is among them. Read after it, the last sequence could
                // include a message committed in between, and moving the cursor there would pass it unprocessed.
                var last = await events.GetLastSequenceAsync(stoppingToken).ConfigureAwait(false);
                var batch = await events.ReadAsync(cursor + 1, options.Value.BatchSize, new EventFilter(TypePrefix: "message.received"), stoppingToken)
                    .ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    if (last > cursor)
                    {
                        // Events after the cursor exist but none is a new message: move past them.
                        cursor = last;
                        Advance(cursor);
                        continue;
                    }

                    var sinceSaved = time.GetUtcNow() - saved.At;
                    if (cursor > saved.Sequence && sinceSaved >= CursorSaveInterval)
                    {
                        saved = await SaveCursorAsync(null, cursor, stoppingToken).ConfigureAwait(false);
                    }

                    await WaitForEventsAsync(cursor, cursor > saved.Sequence ? CursorSaveInterval - sinceSaved : null, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var e in batch)
                {
                    if (mailboxes.Contains(e.Subject))
                    {
                        var key = await ProcessEventAsync(e, stoppingToken).ConfigureAwait(false);
                        saved = await SaveCursorAsync(key, e.Sequence, stoppingToken).ConfigureAwait(false);
                    }

                    cursor = e.Sequence;
                    Advance(cursor);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A grain, the send log or the store failed: try the same event again after a pause (nothing was
                // marked processed, and ledgers ignore notices they have recorded already).
                LogRetry(logger, cursor + 1, ex);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stores the cursor, with the key of the message processed at <paramref name="sequence"/> when there is
    /// one, in one transaction.</summary>
    private async Task<(long Sequence, DateTimeOffset At)> SaveCursorAsync(string? key, long sequence, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.MarkProcessedAsync(key, CursorName, sequence, now, cancellationToken).ConfigureAwait(false);
        return (sequence, now);
    }

    /// <summary>Waits for an event after <paramref name="cursor"/>, or at most <paramref name="timeout"/> when the cursor
    /// has moved past events that are not stored yet (so it is stored once the log is quiet).</summary>
    private async Task WaitForEventsAsync(long cursor, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is { } limit)
        {
            // False when the log stayed quiet: the next pass stores the cursor.
            await events.WaitForEventsAsync(cursor, limit, time, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await events.WaitForEventsAsync(cursor, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> ProcessEventAsync(EventRecord e, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(e.PayloadJson);
        var root = payload.RootElement;
        var key = string.Join('/', e.Subject, Text(root, "folderId"), Text(root, "uidValidity"), Text(root, "uid"));
        if (await store.IsProcessedAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return key;
        }

        var blob = Text(root, "blob");
        var source = "mailbox:" + e.Subject;
        var content = string.IsNullOrEmpty(blob) ? null : await ReadBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            await processor.ReviewAsync(new BounceReviewItem(
                0, e.Tenant, source, key, "unreadable", "unknown", "undefined", null, null, $"the message's blob '{blob}' was not found", Text(root, "subject"), blob,
                time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            return key;
        }

        await processor.ProcessMessageAsync(e.Tenant, source, key, content, blob, cancellationToken).ConfigureAwait(false);
        return key;
    }

    private async Task<byte[]?> ReadBlobAsync(string name, CancellationToken cancellationToken)
    {
        await using var download = await blobs.OpenReadAsync(name, null, cancellationToken).ConfigureAwait(false);
        if (download is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await download.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private void Advance(long sequence)
    {
        lock (_lock)
        {
            _processedThrough = Math.Max(_processedThrough, sequence);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Sequence <= _processedThrough)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.ToString() : "";

    [LoggerMessage(EventId = 9410, Level = LogLevel.Warning, Message = "Bounce mailbox reader: processing from event {Sequence} failed; retrying")]
    private static partial void LogRetry(ILogger logger, long sequence, Exception exception);
}
