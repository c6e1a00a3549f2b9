using System.IO.Pipelines;
using MailMesh.Blobs;
using MailMesh.Mime;
using MailMesh.Protocols.Pop3;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Downloads a batch of POP3 messages with pipelined RETR straight into the blob store (each message streamed
/// through a pipe, never held whole; blob writes overlap with the next messages' transfer) and builds their index
/// rows from the header block captured on the way.</summary>
internal sealed class Pop3MessageStore : IPop3RetrieveSink
{
    public const string FolderId = "pop3";
    public const string FolderName = "INBOX";
    public const uint UidValidity = 1;
    private const int MaxHeaderBytes = 256 * 1024;
    private const int MaxPendingBlobs = 64;
    private static readonly ParserOptions s_headersOnly = new() { HeadersOnly = true };
    private static readonly PipeOptions s_pipeOptions = new(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false);

    private readonly IBlobStore _blobs;
    private readonly string _mailbox;
    private readonly string _blobPrefix;
    private readonly Dictionary<int, (uint Uid, string Uidl)> _targets;
    private readonly HeadCaptureStream _headers = new(MaxHeaderBytes);
    private readonly Queue<Task<IndexedMessage>> _pending = new();
    private Pipe? _pipe;
    private Task<BlobProperties>? _put;
    private string? _blobName;

    private Pop3MessageStore(IBlobStore blobs, string mailbox, string blobPrefix, Dictionary<int, (uint Uid, string Uidl)> targets)
    {
        _blobs = blobs;
        _mailbox = mailbox;
        _blobPrefix = blobPrefix;
        _targets = targets;
    }

    /// <summary>Index rows of the messages stored, in server order.</summary>
    public List<IndexedMessage> Rows { get; } = [];

    /// <summary>Downloads <paramref name="messages"/> (message number, the UID it gets in the index, its UIDL) and
    /// returns their index rows once every blob is stored.</summary>
    public static async Task<IReadOnlyList<IndexedMessage>> DownloadAsync(
        Pop3Client client, IBlobStore blobs, string mailbox, string blobPrefix, IReadOnlyList<(int Number, uint Uid, string Uidl)> messages,
        CancellationToken cancellationToken)
    {
        var store = new Pop3MessageStore(blobs, mailbox, blobPrefix, messages.ToDictionary(m => m.Number, m => (m.Uid, m.Uidl)));
        try
        {
            await client.RetrieveAsync(messages.Select(m => m.Number).ToList(), store, cancellationToken).ConfigureAwait(false);
            while (store._pending.TryDequeue(out var row))
            {
                store.Rows.Add(await row.ConfigureAwait(false));
            }
        }
        catch (Exception e)
        {
            await store.AbortAsync(e).ConfigureAwait(false);
            throw;
        }

        return store.Rows;
    }

    public ValueTask<Stream> OpenAsync(int number, CancellationToken cancellationToken)
    {
        var (uid, _) = _targets[number];
        _blobName = BlobFetchSink.BlobNameFor(_blobPrefix, FolderId, UidValidity, uid);
        _pipe = new Pipe(s_pipeOptions);
        _put = _blobs.PutAsync(_blobName, _pipe.Reader.AsStream(), "message/rfc822", cancellationToken);
        return ValueTask.FromResult<Stream>(_headers.Reset(_pipe.Writer.AsStream(leaveOpen: true)));
    }

    public async ValueTask CompletedAsync(int number, Stream stream, long length, CancellationToken cancellationToken)
    {
        if (_pipe is null || _put is null || _blobName is null)
        {
            throw new InvalidOperationException($"POP3 message {number} completed without being opened.");
        }

        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        var (uid, uidl) = _targets[number];
        _pending.Enqueue(FinishAsync(_put, _headers.Head, _blobName, uid, uidl));
        _pipe = null;
        _put = null;
        if (_pending.Count >= MaxPendingBlobs)
        {
            Rows.Add(await _pending.Dequeue().ConfigureAwait(false));
        }
    }

    private async Task<IndexedMessage> FinishAsync(Task<BlobProperties> put, byte[] headers, string blobName, uint uid, string uidl)
    {
        var stored = await put.ConfigureAwait(false);
        using var parsed = MimeMessage.Parse(headers, s_headersOnly);
        return new IndexedMessage(
            _mailbox, FolderId, FolderName, UidValidity, uid, "", Join(parsed.From.Mailboxes.Select(a => a.Address)), Join(parsed.To.Mailboxes.Select(a => a.Address)),
            parsed.Subject, parsed.Date, stored.Length, parsed.MessageId, Join(parsed.InReplyTo), Join(parsed.References), blobName, 0, uidl);
    }

    /// <summary>Ends the blob writes of an interrupted batch; the partial blobs are overwritten when the messages are
    /// downloaded again (same UIDs), and nothing indexes them.</summary>
    private async Task AbortAsync(Exception error)
    {
        if (_pipe is not null)
        {
            await _pipe.Writer.CompleteAsync(error).ConfigureAwait(false);
        }

        if (_put is not null)
        {
            try
            {
                await _put.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or BlobStoreException or MailMesh.Protocols.MailProtocolException)
            {
                // The partial blob is overwritten when the message is downloaded again; nothing indexes it.
                _ = e;
            }
        }

        while (_pending.TryDequeue(out var finishing))
        {
            try
            {
                await finishing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or BlobStoreException or MailMesh.Protocols.MailProtocolException)
            {
                // Nothing indexes this blob; the next run downloads the message again.
                _ = e;
            }
        }
    }

    private static string? Join(IEnumerable<string> values)
    {
        var text = string.Join(' ', values);
        return text.Length == 0 ? null : text;
    }
}
