using System.Buffers;
using System.IO.Pipelines;
using MailMesh.Blobs;
using MailMesh.Mime;
using MailMesh.Mime.Addresses;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Receives a UID FETCH of new messages and stores each body in the blob store; its header block is parsed
/// for the index row on the way, so headers are neither fetched nor parsed twice. A body of up to
/// <see cref="BufferedBodyLimit"/> bytes (nearly all mail) is read into one pooled buffer; such bodies are stored in
/// groups (<see cref="IBlobStore.PutManyAsync"/>: for the local store one write and one catalog transaction per group),
/// and a group's header parsing and store run on the thread pool while the next messages arrive. A larger body is
/// piped into the blob store while it arrives and never held whole. Rows come out in arrival order.</summary>
internal sealed class BlobFetchSink(IBlobStore blobs, SyncFolder folder, string blobPrefix) : IImapFetchSink
{
    /// <summary>Bodies up to this size are buffered whole.</summary>
    public const int BufferedBodyLimit = 64 * 1024;

    /// <summary>A group is stored once it holds this many messages…</summary>
    public const int GroupMessages = 64;

    /// <summary>…or this many bytes.</summary>
    public const int GroupBytes = 512 * 1024;

    /// <summary>Groups (and large messages) whose store may still be running while the next ones are read.</summary>
    private const int MaxPending = 4;

    private const int MaxHeaderBytes = 256 * 1024;
    private static readonly ParserOptions s_headersOnly = new() { HeadersOnly = true };
    private static readonly PipeOptions s_pipeOptions = new(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false);
    private readonly HeadCaptureStream _headers = new(MaxHeaderBytes);
    private readonly BodyBuffer _buffer = new();
    private readonly Queue<Task<IReadOnlyList<IndexedMessage>>> _pending = new();
    private List<BufferedMessage> _group = [];
    private int _groupBytes;
    private Pipe? _pipe;
    private Task<BlobProperties>? _put;
    private string? _blobName;

    /// <summary>Index rows of the messages stored so far, in arrival order (complete after <see cref="CompleteAsync"/>).</summary>
    public List<IndexedMessage> Rows { get; } = [];

    /// <summary>Stores the group being gathered and waits for every store still running.</summary>
    public async Task CompleteAsync()
    {
        SealGroup(CancellationToken.None);
        while (_pending.TryDequeue(out var rows))
        {
            Rows.AddRange(await rows.ConfigureAwait(false));
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
        if (part.Length <= BufferedBodyLimit)
        {
            return ValueTask.FromResult<Stream?>(_buffer.Start((int)part.Length));
        }

        _pipe = new Pipe(s_pipeOptions);
        _put = blobs.PutAsync(_blobName, _pipe.Reader.AsStream(), "message/rfc822", cancellationToken);
        return ValueTask.FromResult<Stream?>(_headers.Reset(_pipe.Writer.AsStream(leaveOpen: true)));
    }

    public async ValueTask MessageFetchedAsync(ImapFetchedMessage message, CancellationToken cancellationToken)
    {
        if (_blobName is not { } blobName || message.Uid is not { } uid || (!_buffer.IsOpen && (_pipe is null || _put is null)))
        {
            throw new InvalidDataException($"The IMAP server answered FETCH for message {message.SequenceNumber} without its body or UID.");
        }

        _blobName = null;
        if (_buffer.IsOpen)
        {
            var (array, length) = _buffer.Take();
            if (length != _buffer.Announced)
            {
                ArrayPool<byte>.Shared.Return(array);
                throw new InvalidDataException($"The body of message {uid} ended after {length} of the {_buffer.Announced} bytes announced.");
            }

            _group.Add(new BufferedMessage(message, uid, blobName, array, length));
            _groupBytes += length;
            if (_group.Count >= GroupMessages || _groupBytes >= GroupBytes)
            {
                SealGroup(cancellationToken);
            }
        }
        else
        {
            // Rows stay in arrival order: the group gathered before this message goes first.
            SealGroup(cancellationToken);
            await _pipe!.Writer.CompleteAsync().ConfigureAwait(false);
            var put = _put!;
            var headers = _headers.Head;
            _pipe = null;
            _put = null;
            _pending.Enqueue(FinishStreamedAsync(put, message, uid, headers, blobName));
        }

        while (_pending.Count > MaxPending)
        {
            Rows.AddRange(await _pending.Dequeue().ConfigureAwait(false));
        }
    }

    /// <summary>Hands the gathered group to the thread pool: header parsing, then one store for the group.</summary>
    private void SealGroup(CancellationToken cancellationToken)
    {
        if (_group.Count == 0)
        {
            return;
        }

        var group = _group;
        _group = [];
        _groupBytes = 0;
        _pending.Enqueue(Task.Run(() => StoreGroupAsync(group, cancellationToken), CancellationToken.None));
    }

    private async Task<IReadOnlyList<IndexedMessage>> StoreGroupAsync(List<BufferedMessage> group, CancellationToken cancellationToken)
    {
        try
        {
            var rows = new IndexedMessage[group.Count];
            var contents = new BlobContent[group.Count];
            for (var i = 0; i < group.Count; i++)
            {
                var m = group[i];
                var content = m.Array.AsMemory(0, m.Length);
                rows[i] = BuildRow(m.Message, m.Uid, m.Length, HeaderBlock(content), m.BlobName);
                contents[i] = new BlobContent(m.BlobName, content);
            }

            await blobs.PutManyAsync(contents, "message/rfc822", cancellationToken).ConfigureAwait(false);
            return rows;
        }
        finally
        {
            foreach (var m in group)
            {
                ArrayPool<byte>.Shared.Return(m.Array);
            }
        }
    }

    private async Task<IReadOnlyList<IndexedMessage>> FinishStreamedAsync(Task<BlobProperties> put, ImapFetchedMessage message, uint uid, byte[] headers, string blobName)
    {
        var stored = await put.ConfigureAwait(false);
        return [BuildRow(message, uid, stored.Length, headers, blobName)];
    }

    /// <summary>Ends the blob writes after a failed fetch, so no task lingers and no pooled buffer leaks.</summary>
    public async Task AbortAsync()
    {
        _buffer.Abandon();
        foreach (var m in _group)
        {
            ArrayPool<byte>.Shared.Return(m.Array);
        }

        _group = [];
        while (_pending.TryDequeue(out var finishing))
        {
            try
            {
                await finishing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or BlobStoreException or InvalidDataException)
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

    /// <summary>The header block of a buffered message: up to and including the first empty line (CRLF or bare LF),
    /// at most <see cref="MaxHeaderBytes"/>; the whole message when it has no body.</summary>
    private static ReadOnlyMemory<byte> HeaderBlock(ReadOnlyMemory<byte> message)
    {
        var crlf = message.Span.IndexOf("\r\n\r\n"u8);
        var lf = message.Span.IndexOf("\n\n"u8);
        var end = crlf < 0 ? (lf < 0 ? message.Length : lf + 2) : lf < 0 ? crlf + 4 : Math.Min(crlf + 4, lf + 2);
        return message[..Math.Min(end, MaxHeaderBytes)];
    }

    private IndexedMessage BuildRow(ImapFetchedMessage message, uint uid, long storedLength, ReadOnlyMemory<byte> headers, string blobName)
    {
        string? from = null, to = null, subject = null, messageId = null, inReplyTo = null, references = null;
        DateTimeOffset? date = null;
        if (headers.Length > 0)
        {
            using var parsed = MimeMessage.Parse(headers, s_headersOnly);
            from = Addresses(parsed.From);
            to = Addresses(parsed.To);
            subject = parsed.Subject;
            date = parsed.Date;
            messageId = parsed.MessageId;
            inReplyTo = Join(parsed.InReplyTo);
            references = Join(parsed.References);
        }

        return new IndexedMessage(
            folder.Mailbox, folder.Id, folder.Name, folder.UidValidity, uid, FlagText.Normalize(message.Flags ?? []), from, to, subject,
            date ?? message.InternalDate, message.Size ?? storedLength, messageId, inReplyTo, references, blobName, message.ModSeq ?? 0);
    }

    private static string? Addresses(InternetAddressList list) =>
        list.Count == 1 && list[0] is MailboxAddress only ? (only.Address.Length == 0 ? null : only.Address) : Join(list.Mailboxes.Select(a => a.Address));

    private static string? Join(IEnumerable<string> values)
    {
        var text = string.Join(' ', values);
        return text.Length == 0 ? null : text;
    }

    /// <summary>A write-only stream into one pooled array sized for the literal announced; one per sink, reused for
    /// every buffered body (only one body is open at a time).</summary>
    private sealed class BodyBuffer : Stream
    {
        private byte[]? _array;
        private int _length;

        public bool IsOpen => _array is not null;

        public int Announced { get; private set; }

        public BodyBuffer Start(int announced)
        {
            Abandon();
            Announced = announced;
            _array = ArrayPool<byte>.Shared.Rent(Math.Max(announced, 1));
            _length = 0;
            return this;
        }

        /// <summary>Hands the buffer (and its ownership: return it to the pool) to the caller.</summary>
        public (byte[] Array, int Length) Take()
        {
            var taken = (_array!, _length);
            _array = null;
            return taken;
        }

        public void Abandon()
        {
            if (_array is { } array)
            {
                _array = null;
                ArrayPool<byte>.Shared.Return(array);
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var array = _array ?? throw new InvalidOperationException("No body is open in this buffer.");
            if (buffer.Length > Announced - _length)
            {
                throw new InvalidDataException($"The IMAP literal is longer than the {Announced} bytes it announced.");
            }

            buffer.CopyTo(array.AsSpan(_length));
            _length += buffer.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }
    }
}

/// <summary>A body read into a pooled array (owned until its group is stored) and the FETCH attributes of its message.</summary>
internal readonly record struct BufferedMessage(ImapFetchedMessage Message, uint Uid, string BlobName, byte[] Array, int Length);

/// <summary>Flags as stored: distinct, sorted ordinal-ignore-case, space-separated; \Recent is session-only and dropped.</summary>
internal static class FlagText
{
    public static string Normalize(IReadOnlyList<string> flags)
    {
        switch (flags.Count)
        {
            case 0:
                return "";
            case 1:
                return flags[0].Equals("\\Recent", StringComparison.OrdinalIgnoreCase) ? "" : flags[0];
            default:
                return string.Join(' ', flags.Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
                    .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase));
        }
    }

    public static string Normalize(IEnumerable<string> flags) => Normalize(flags as IReadOnlyList<string> ?? flags.ToList());

    public static IReadOnlyList<string> Split(string flags) => flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
