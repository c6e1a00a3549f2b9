using System.IO.Pipelines;
using MailMesh.Blobs;
using MailMesh.Mime;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Receives a UID FETCH of new messages: each body literal is piped straight into the blob store while it
/// arrives (never held whole); its header block is captured on the way for the index row, so headers are neither
/// fetched nor parsed twice.</summary>
internal sealed class BlobFetchSink(IBlobStore blobs, FolderCursor folder, string mailbox, string blobPrefix) : IImapFetchSink
{
    private static readonly ParserOptions s_headersOnly = new() { HeadersOnly = true };
    private static readonly PipeOptions s_pipeOptions = new(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false);
    private readonly HeadCaptureStream _headers = new(MaxHeaderBytes);
    private Pipe? _pipe;
    private Task<BlobProperties>? _put;
    private string? _blobName;

    private const int MaxHeaderBytes = 256 * 1024;
    private const int MaxPendingBlobs = 64;
    private readonly Queue<Task<IndexedMessage>> _pending = new();

    /// <summary>Index rows of the messages stored so far, in arrival order (complete after <see cref="CompleteAsync"/>).</summary>
    public List<IndexedMessage> Rows { get; } = [];

    /// <summary>Waits for the blob writes still finishing (they overlap with the next messages' transfer).</summary>
    public async Task CompleteAsync()
    {
        while (_pending.TryDequeue(out var row))
        {
            Rows.Add(await row.ConfigureAwait(false));
        }
    }

    public static string BlobNameFor(string prefix, string folderId, uint uidValidity, uint uid) => $"{prefix}/{folderId}/{uidValidity}/{uid}.eml";

    public ValueTask<Stream?> OpenBodyAsync(ImapBodyPart part, CancellationToken cancellationToken)
    {
        if (part.Section != ImapBodySection.Full)
        {
            // Only BODY.PEEK[] is asked for; anything else the server volunteers is not stored.
            return ValueTask.FromResult<Stream?>(null);
        }

        if (part.Uid is not { } uid)
        {
            throw new InvalidDataException($"The IMAP server sent the body of message {part.SequenceNumber} before its UID; it cannot be stored by UID.");
        }

        _blobName = BlobNameFor(blobPrefix, folder.Id, folder.UidValidity, uid);
        _pipe = new Pipe(s_pipeOptions);
        _put = blobs.PutAsync(_blobName, _pipe.Reader.AsStream(), "message/rfc822", cancellationToken);
        return ValueTask.FromResult<Stream?>(_headers.Reset(_pipe.Writer.AsStream(leaveOpen: true)));
    }

    public async ValueTask MessageFetchedAsync(ImapFetchedMessage message, CancellationToken cancellationToken)
    {
        if (_pipe is null || _put is null || _blobName is null || message.Uid is not { } uid)
        {
            throw new InvalidDataException($"The IMAP server answered FETCH for message {message.SequenceNumber} without its body or UID.");
        }

        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        var put = _put;
        var headers = _headers.Head;
        var blobName = _blobName;
        _pipe = null;
        _put = null;
        _pending.Enqueue(FinishAsync(put, message, uid, headers, blobName));
        if (_pending.Count >= MaxPendingBlobs)
        {
            Rows.Add(await _pending.Dequeue().ConfigureAwait(false));
        }
    }

    private async Task<IndexedMessage> FinishAsync(Task<BlobProperties> put, ImapFetchedMessage message, uint uid, byte[] headers, string blobName)
    {
        var stored = await put.ConfigureAwait(false);
        return BuildRow(message, uid, stored.Length, headers, blobName);
    }

    /// <summary>Ends a pending blob write after a failed fetch, so its task does not linger.</summary>
    public async Task AbortAsync()
    {
        while (_pending.TryDequeue(out var finishing))
        {
            try
            {
                await finishing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or BlobStoreException)
            {
                // The message is fetched again by the next run; nothing indexes this blob.
                _ = e;
            }
        }

        if (_pipe is not null && _put is not null)
        {
            await _pipe.Writer.CompleteAsync(new OperationCanceledException("The fetch was interrupted.")).ConfigureAwait(false);
            try
            {
                await _put.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or BlobStoreException)
            {
                // The partial blob is replaced when the message is fetched again; nothing indexes it.
                _ = e;
            }
        }
    }

    private IndexedMessage BuildRow(ImapFetchedMessage message, uint uid, long storedLength, byte[] headers, string blobName)
    {
        string? from = null, to = null, subject = null, messageId = null, inReplyTo = null, references = null;
        DateTimeOffset? date = null;
        if (headers.Length > 0)
        {
            using var parsed = MimeMessage.Parse(headers, s_headersOnly);
            from = Join(parsed.From.Mailboxes.Select(a => a.Address));
            to = Join(parsed.To.Mailboxes.Select(a => a.Address));
            subject = parsed.Subject;
            date = parsed.Date;
            messageId = parsed.MessageId;
            inReplyTo = Join(parsed.InReplyTo);
            references = Join(parsed.References);
        }

        return new IndexedMessage(
            mailbox, folder.Id, folder.Name, folder.UidValidity, uid, FlagText.Normalize(message.Flags ?? []), from, to, subject,
            date ?? message.InternalDate, message.Size ?? storedLength, messageId, inReplyTo, references, blobName, message.ModSeq ?? 0);
    }

    private static string? Join(IEnumerable<string> values)
    {
        var text = string.Join(' ', values);
        return text.Length == 0 ? null : text;
    }
}

/// <summary>Flags as stored: distinct, sorted ordinal-ignore-case, space-separated; \Recent is session-only and dropped.</summary>
internal static class FlagText
{
    public static string Normalize(IEnumerable<string> flags) =>
        string.Join(' ', flags.Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase));

    public static IReadOnlyList<string> Split(string flags) => flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
