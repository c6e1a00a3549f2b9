using System.Buffers;

namespace MailMesh.Mime.Encodings;

/// <summary>A read-only stream that decodes encoded bytes held in memory on the fly.</summary>
public sealed class DecoderStream : Stream
{
    private const int ChunkSize = 16 * 1024;
    private readonly ReadOnlyMemory<byte> _input;
    private readonly IContentDecoder _decoder;
    private byte[]? _buffer;
    private int _inputPosition;
    private int _bufferStart;
    private int _bufferEnd;
    private bool _flushed;
    private long _position;

    /// <summary>Decodes <paramref name="input"/> with <paramref name="decoder"/>.</summary>
    public DecoderStream(ReadOnlyMemory<byte> input, IContentDecoder decoder)
    {
        _input = input;
        _decoder = decoder;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException("a decoding stream has no length until it is read");

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("a decoding stream cannot seek");
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        while (_bufferStart == _bufferEnd)
        {
            if (!Fill())
            {
                return 0;
            }
        }

        var n = Math.Min(buffer.Length, _bufferEnd - _bufferStart);
        _buffer.AsSpan(_bufferStart, n).CopyTo(buffer);
        _bufferStart += n;
        _position += n;
        return n;
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    private bool Fill()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(ChunkSize + 256);
        _bufferStart = 0;
        if (_inputPosition < _input.Length)
        {
            var n = Math.Min(ChunkSize, _input.Length - _inputPosition);
            _bufferEnd = _decoder.Decode(_input.Span.Slice(_inputPosition, n), _buffer);
            _inputPosition += n;
            return true;
        }

        if (_flushed)
        {
            return false;
        }

        _flushed = true;
        _bufferEnd = _decoder.Flush(_buffer);
        return _bufferEnd > 0;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a decoding stream cannot seek");

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException("a decoding stream is read-only");

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a decoding stream is read-only");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        base.Dispose(disposing);
    }
}
