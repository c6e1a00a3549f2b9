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
/// the contact ledgers ignore a notice id they have seen (so a crash between the two repeats nothing).</summary>
public sealed partial class BounceMailboxReader(
    IEventLog events, IBlobStore blobs, BounceProcessor processor, IBounceStore store, IOptions<BounceOptions> options, TimeProvider time,
    ILogger<BounceMailboxReader> logger) : BackgroundService
{
    /// <summary>The cursor's name in the bounce store.</summary>
    public const string CursorName = "mailbox-events";

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
        Advance(cursor);
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<EventRecord> batch;
            try
            {
                batch = await events.ReadAsync(cursor + 1, options.Value.BatchSize, new EventFilter(TypePrefix: "message"), stoppingToken).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    var last = await events.GetLastSequenceAsync(stoppingToken).ConfigureAwait(false);
                    if (last > cursor)
                    {
                        // Events after the cursor exist but none is a message event: move past them.
                        await store.MarkProcessedAsync(null, CursorName, last, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                        cursor = last;
                        Advance(cursor);
                        continue;
                    }

                    await events.WaitForEventsAsync(cursor, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var e in batch)
                {
                    string? key = null;
                    if (e.Type == "message.received" && mailboxes.Contains(e.Subject))
                    {
                        key = await ProcessEventAsync(e, stoppingToken).ConfigureAwait(false);
                    }

                    await store.MarkProcessedAsync(key, CursorName, e.Sequence, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
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
