namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>A write-only stream that forwards everything to an inner stream and keeps a copy of the message's
/// header block (up to and including the first empty line, at most <c>limit</c> bytes) for the index, so the
/// headers are read from the one body transfer instead of being fetched and parsed a second time.</summary>
internal sealed class HeadCaptureStream(int limit) : Stream
{
    private readonly MemoryStream _head = new();
    private Stream? _inner;
    private bool _complete;

    /// <summary>Starts a new message written through to <paramref name="inner"/>.</summary>
    public HeadCaptureStream Reset(Stream inner)
    {
        _inner = inner;
        _head.SetLength(0);
        _complete = false;
        return this;
    }

    /// <summary>The captured header block (a copy).</summary>
    public byte[] Head => _head.ToArray();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    private Stream Inner => _inner ?? throw new InvalidOperationException("HeadCaptureStream.Reset was not called.");

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Capture(buffer.AsSpan(offset, count));
        Inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Capture(buffer.Span);
        return Inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Capture(ReadOnlySpan<byte> data)
    {
        var room = limit - (int)_head.Length;
        if (_complete || room <= 0)
        {
            return;
        }

        // Look for the empty line from a few bytes back, so one split across two writes is found too.
        var start = (int)Math.Max(0, _head.Length - 3);
        _head.Write(data[..Math.Min(room, data.Length)]);
        var captured = _head.GetBuffer().AsSpan(start, (int)_head.Length - start);
        var crlf = captured.IndexOf("\r\n\r\n"u8);
        var lf = captured.IndexOf("\n\n"u8);
        var end = crlf < 0 ? (lf < 0 ? -1 : lf + 2) : lf < 0 ? crlf + 4 : Math.Min(crlf + 4, lf + 2);
        if (end >= 0)
        {
            _head.SetLength(start + end);
            _complete = true;
        }
    }
}
