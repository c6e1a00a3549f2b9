using System.Security.Cryptography;

namespace MailMesh.Blobs.Internal;

/// <summary>Passes a blob's bytes through and, at the end, compares their MD5 with the stored one.</summary>
internal sealed class Md5VerifyingStream(Stream inner, string name, byte[] expectedMd5) : Stream
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private bool _verified;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException("A verified blob stream reads forward only.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        return Observe(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Observe(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Observe(ReadOnlySpan<byte> read)
    {
        if (read.Length > 0)
        {
            _md5.AppendData(read);
        }
        else if (!_verified)
        {
            _verified = true;
            var actual = _md5.GetHashAndReset();
            if (!actual.AsSpan().SequenceEqual(expectedMd5))
            {
                throw new BlobIntegrityException(name, expectedMd5, actual);
            }
        }

        return read.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A verified blob stream reads forward only.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        _md5.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
