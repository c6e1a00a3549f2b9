using System.Text;

namespace MailMesh.Protocols.Pop3.Internal;

/// <summary>
/// Reads POP3 status lines and multi-line responses from a compacting buffer. Multi-line bodies are
/// dot-unstuffed on the fly and written to a sink in buffer-sized chunks (never held whole).
/// </summary>
internal sealed class Pop3Reader
{
    private readonly Stream _stream;
    private readonly int _maxLineLength;
    private byte[] _buffer;
    private int _pos;
    private int _end;

    public Pop3Reader(Stream stream, int bufferSize, int maxLineLength)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
        _maxLineLength = Math.Max(maxLineLength, bufferSize);
    }

    /// <summary>One line without its line break, as text.</summary>
    public async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = _buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)'\n');
            if (index >= 0)
            {
                var length = index > 0 && _buffer[_pos + index - 1] == (byte)'\r' ? index - 1 : index;
                var line = Encoding.UTF8.GetString(_buffer, _pos, length);
                _pos += index + 1;
                return line;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Copies a multi-line response body up to the terminating ".CRLF" to <paramref name="sink"/> (or
    /// discards it), removing the stuffed leading dot of lines; returns the bytes written.
    /// </summary>
    public async ValueTask<long> ReadMultilineAsync(Stream? sink, CancellationToken cancellationToken)
    {
        long total = 0;
        var lineStart = true;
        while (true)
        {
            if (_pos == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var segment = _pos;
            var needMore = false;
            while (_pos < _end)
            {
                if (lineStart)
                {
                    if (_buffer[_pos] == (byte)'.')
                    {
                        var available = _end - _pos;
                        if (available < 2 || (_buffer[_pos + 1] == (byte)'\r' && available < 3))
                        {
                            needMore = true;
                            break;
                        }

                        var terminator = _buffer[_pos + 1] == (byte)'\n' ? 2 : _buffer[_pos + 1] == (byte)'\r' && _buffer[_pos + 2] == (byte)'\n' ? 3 : 0;
                        total += await WriteAsync(sink, segment, _pos - segment, cancellationToken).ConfigureAwait(false);
                        if (terminator > 0)
                        {
                            _pos += terminator;
                            return total;
                        }

                        _pos++;
                        segment = _pos;
                    }

                    lineStart = false;
                }

                var newline = _buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    _pos = _end;
                    break;
                }

                _pos += newline + 1;
                lineStart = true;
            }

            total += await WriteAsync(sink, segment, _pos - segment, cancellationToken).ConfigureAwait(false);
            if (needMore)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<int> WriteAsync(Stream? sink, int start, int length, CancellationToken cancellationToken)
    {
        if (length > 0 && sink is not null)
        {
            await sink.WriteAsync(_buffer.AsMemory(start, length), cancellationToken).ConfigureAwait(false);
        }

        return length;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
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
            if (_buffer.Length >= _maxLineLength)
            {
                throw Pop3ProtocolException.Malformed($"a line is longer than {_maxLineLength} bytes (Pop3ClientOptions.MaxLineLength)");
            }

            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxLineLength));
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException("The server closed the connection.");
        }

        _end += read;
    }
}
