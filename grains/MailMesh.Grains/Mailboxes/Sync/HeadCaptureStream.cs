namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>A write-only stream that forwards everything to an inner stream and keeps a copy of the first
/// <c>limit</c> bytes (enough for the header block) for the index.</summary>
internal sealed class HeadCaptureStream(Stream inner, int limit) : Stream
{
    private readonly MemoryStream _head = new();

    public byte[] Head => _head.ToArray();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Capture(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Capture(ReadOnlySpan<byte> data)
    {
        var room = limit - (int)_head.Length;
        if (room > 0)
        {
            _head.Write(data[..Math.Min(room, data.Length)]);
        }
    }
}
