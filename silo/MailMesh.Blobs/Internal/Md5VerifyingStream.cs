using System.Security.Cryptography;

namespace MailMesh.Blobs.Internal;

/// <summary>Passes a blob's bytes through and, at the end, compares their MD5 with the stored one.</summary>
internal sealed class Md5VerifyingStream(Stream inner, string name, byte[] expectedMd5) : ForwardReadStream(inner)
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private bool _verified;

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer);
        return Observe(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Observe(buffer.Span[..n]);
    }

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _md5.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
