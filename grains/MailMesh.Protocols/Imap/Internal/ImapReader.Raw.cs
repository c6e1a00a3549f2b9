using System.Text;

namespace MailMesh.Protocols.Imap.Internal;

/// <summary>Byte-level reads: literal bodies, free text to the end of a line, buffer refills.</summary>
internal sealed partial class ImapReader
{
    /// <summary>Copies a literal's bytes to <paramref name="sink"/> (or discards them when null), in buffer-sized chunks.</summary>
    public async ValueTask ReadLiteralAsync(long length, Stream? sink, CancellationToken cancellationToken)
    {
        EnsureNoPeek();
        var remaining = length;
        while (remaining > 0)
        {
            if (_pos == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var n = (int)Math.Min(remaining, _end - _pos);
            if (sink is not null)
            {
                await sink.WriteAsync(_buffer.AsMemory(_pos, n), cancellationToken).ConfigureAwait(false);
            }

            _pos += n;
            remaining -= n;
        }
    }

    /// <summary>Reads a (small) literal into memory.</summary>
    public async ValueTask<byte[]> ReadLiteralBytesAsync(long length, CancellationToken cancellationToken)
    {
        EnsureNoPeek();
        if (length > _maxTokenLength)
        {
            throw ImapProtocolException.Malformed($"a {length}-byte literal appears where at most {_maxTokenLength} bytes are allowed");
        }

        var result = new byte[length];
        var done = 0;
        while (done < length)
        {
            if (_pos == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var n = (int)Math.Min(length - done, _end - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(result.AsSpan(done));
            _pos += n;
            done += n;
        }

        return result;
    }

    /// <summary>The next non-space byte, without consuming it.</summary>
    public async ValueTask<byte> PeekByteAsync(CancellationToken cancellationToken)
    {
        EnsureNoPeek();
        while (true)
        {
            while (_pos < _end && _buffer[_pos] == (byte)' ')
            {
                _pos++;
            }

            if (_pos < _end)
            {
                return _buffer[_pos];
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Consumes one byte known to be buffered (after <see cref="PeekByteAsync"/>).</summary>
    public void Skip(int count) => _pos += count;

    /// <summary>The rest of the line as text (leading spaces and the line break removed).</summary>
    public async ValueTask<string> ReadTextAsync(CancellationToken cancellationToken)
    {
        var (start, length) = await ReadRawLineAsync(cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(_buffer, start, length);
    }

    /// <summary>Raw bytes up to (not including) the first of the given stop bytes, or the end of the line.</summary>
    public async ValueTask<string> ReadRawUntilAsync(byte stop, CancellationToken cancellationToken)
    {
        EnsureNoPeek();
        while (true)
        {
            while (_pos < _end && _buffer[_pos] == (byte)' ')
            {
                _pos++;
            }

            var span = _buffer.AsSpan(_pos, _end - _pos);
            var index = span.IndexOfAny(stop, (byte)'\r', (byte)'\n');
            if (index >= 0)
            {
                var text = Encoding.UTF8.GetString(_buffer, _pos, index);
                _pos += index;
                return text;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<(int Start, int Length)> ReadRawLineAsync(CancellationToken cancellationToken)
    {
        EnsureNoPeek();
        while (true)
        {
            var span = _buffer.AsSpan(_pos, _end - _pos);
            var index = span.IndexOf((byte)'\n');
            if (index >= 0)
            {
                var start = _pos;
                var length = index;
                if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
                {
                    length--;
                }

                while (length > 0 && _buffer[start] == (byte)' ')
                {
                    start++;
                    length--;
                }

                _pos += index + 1;
                return (start, length);
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until response bytes are available, without a timeout, returning false when
    /// <paramref name="cancellationToken"/> fires first. The socket read stays pending and is reused by
    /// the next read, so giving up the wait never loses data or corrupts a TLS stream (used by IDLE).
    /// </summary>
    public async ValueTask<bool> WaitForDataAsync(CancellationToken cancellationToken)
    {
        if (_hasPeek || _pos < _end)
        {
            return true;
        }

        if (_pendingFill is null)
        {
            _pos = 0;
            _end = 0;
            _pendingFill = _stream.ReadAsync(_buffer, 0, _buffer.Length, CancellationToken.None);
        }

        if (!_pendingFill.IsCompleted)
        {
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled))
            {
                await Task.WhenAny(_pendingFill, cancelled.Task).ConfigureAwait(false);
            }

            if (!_pendingFill.IsCompleted)
            {
                return false;
            }
        }

        await FillAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        int read;
        if (_pendingFill is { } pending)
        {
            _pendingFill = null;
            read = await pending.ConfigureAwait(false);
        }
        else
        {
            if (_pos == _end)
            {
                _pos = 0;
                _end = 0;
            }
            else if (_end == _buffer.Length || _pos > _buffer.Length / 2)
            {
                Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _end - _pos);
                _end -= _pos;
                _pos = 0;
            }

            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= _maxTokenLength)
                {
                    throw ImapProtocolException.Malformed($"a response element is longer than {_maxTokenLength} bytes (ImapClientOptions.MaxLineLength)");
                }

                Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _maxTokenLength));
            }

            read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        }

        if (read == 0)
        {
            throw new EndOfStreamException("The server closed the connection.");
        }

        _end += read;
    }

    private void EnsureNoPeek()
    {
        if (_hasPeek)
        {
            throw new InvalidOperationException("A token was peeked; it must be consumed before reading raw bytes.");
        }
    }
}
