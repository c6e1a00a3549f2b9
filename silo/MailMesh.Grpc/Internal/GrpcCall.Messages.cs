using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace MailMesh.Grpc.Internal;

internal sealed partial class GrpcCall
{
    private const int FrameHeaderSize = 5;

    /// <summary>Reads the next request message; null when the client finished sending.</summary>
    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, string typeName, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var reader = HttpContext.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (buffer.Length >= FrameHeaderSize)
                {
                    var (compressed, length) = ReadFrameHeader(buffer);
                    if (buffer.Length - FrameHeaderSize >= length)
                    {
                        var payload = buffer.Slice(FrameHeaderSize, length);
                        consumed = payload.End;
                        examined = consumed;
                        return Parse(parser, typeName, payload, compressed);
                    }
                }

                if (result.IsCompleted)
                {
                    consumed = buffer.End;
                    if (buffer.Length == 0)
                    {
                        return null;
                    }

                    throw Truncated(buffer);
                }
            }
            finally
            {
                reader.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>Reads the single request of a unary or server-streaming call.</summary>
    public async ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser, string typeName, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var message = await ReadMessageAsync(parser, typeName, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "the request ended without a message; this method expects exactly one");
        if (await ReadMessageAsync(parser, typeName, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, "the request carried more than one message; this method expects exactly one");
        }

        return message;
    }

    private (bool Compressed, int Length) ReadFrameHeader(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[FrameHeaderSize];
        buffer.Slice(0, FrameHeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal,
                $"malformed message frame: compressed flag is 0x{flag:X2}, expected 0 or 1");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)_options.MaxReceiveMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"received message of {length} bytes is larger than the limit of {_options.MaxReceiveMessageSize} bytes");
        }

        if (flag == 1 && _requestEncoding is null)
        {
            throw new RpcException(StatusCode.Internal,
                "a message is marked compressed but the request has no grpc-encoding header");
        }

        return (flag == 1, (int)length);
    }

    private T Parse<T>(MessageParser<T> parser, string typeName, ReadOnlySequence<byte> payload, bool compressed)
        where T : class, IMessage<T>
    {
        try
        {
            if (!compressed)
            {
                return parser.ParseFrom(payload);
            }

            var plain = MessageCompression.Decompress(_requestEncoding!, payload.ToArray(), _options.MaxReceiveMessageSize)
                ?? throw new RpcException(StatusCode.ResourceExhausted,
                    $"decompressed message is larger than the limit of {_options.MaxReceiveMessageSize} bytes");
            return parser.ParseFrom(plain);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(StatusCode.Internal, $"request message is not a valid {typeName}: {e.Message}");
        }
        catch (InvalidDataException)
        {
            throw new RpcException(StatusCode.Internal, $"request message is not valid {_requestEncoding} data");
        }
    }

    private static RpcException Truncated(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < FrameHeaderSize)
        {
            return new RpcException(StatusCode.Internal,
                $"the request ended inside a message frame header ({buffer.Length} of 5 bytes)");
        }

        Span<byte> header = stackalloc byte[FrameHeaderSize];
        buffer.Slice(0, FrameHeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return new RpcException(StatusCode.Internal,
            $"the request ended inside a message: {buffer.Length - FrameHeaderSize} of {length} bytes received");
    }

    /// <summary>Writes one response message, sending the headers first if needed.</summary>
    public async Task WriteMessageAsync(IMessage message, bool flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCompleted();
            var size = message.CalculateSize();
            if (_options.MaxSendMessageSize is { } max && size > max)
            {
                throw new RpcException(StatusCode.ResourceExhausted,
                    $"response message of {size} bytes is larger than the limit of {max} bytes");
            }

            EnsureHeaders();
            var writer = HttpContext.Response.BodyWriter;
            if (_responseEncoding is { } encoding && size >= _options.ResponseCompressionMinSize)
            {
                var compressed = MessageCompression.Compress(encoding, message.ToByteArray(), _options.ResponseCompressionLevel);
                WriteFrameHeader(writer, compressed: true, compressed.Length);
                writer.Write(compressed);
            }
            else
            {
                WriteFrameHeader(writer, compressed: false, size);
                message.WriteTo(writer);
            }

            if (flush)
            {
                ThrowIfClientGone(await writer.FlushAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void WriteFrameHeader(IBufferWriter<byte> writer, bool compressed, int length)
    {
        var header = writer.GetSpan(FrameHeaderSize);
        header[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..FrameHeaderSize], (uint)length);
        writer.Advance(FrameHeaderSize);
    }

    public async Task WriteResponseHeadersAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCompleted();
            if (_headersSent)
            {
                throw new InvalidOperationException("Response headers were already sent.");
            }

            EnsureHeaders();
            ThrowIfClientGone(await HttpContext.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A flush that finds the response stream closed means the client reset it or went away: the server drops
    /// whatever is written after that, so the handler is stopped instead of writing into nothing until it ends.</summary>
    private void ThrowIfClientGone(FlushResult result)
    {
        if (result.IsCompleted)
        {
            _clientGone = true;
            throw new OperationCanceledException("the client went away: the response stream is closed");
        }
    }

    private void ThrowIfCompleted()
    {
        if (!_completed)
        {
            return;
        }

        if (DeadlineExceeded)
        {
            throw new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        throw new InvalidOperationException("The call has already completed; no more messages can be written.");
    }

    private void EnsureHeaders()
    {
        if (_headersSent)
        {
            return;
        }

        _headersSent = true;
        var response = HttpContext.Response;
        response.StatusCode = 200;
        response.ContentType = GrpcHeaders.ContentType;
        response.Headers[GrpcHeaders.AcceptEncoding] = MessageCompression.AcceptEncoding;

        // Messages are compressed only in an encoding the client said it can read.
        if (_responseCompression is { } wanted && MessageCompression.Accepts(_clientAcceptEncoding, wanted))
        {
            _responseEncoding = wanted;
            response.Headers[GrpcHeaders.Encoding] = wanted;
        }

        GrpcHeaders.Write(response.Headers, Context.ResponseHeaders);
    }
}
