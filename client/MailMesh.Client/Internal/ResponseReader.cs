using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using MailMesh.Grpc.Internal;

namespace MailMesh.Client.Internal;

/// <summary>Reads the response of one call: status from headers or trailers, and length-prefixed messages.</summary>
internal sealed class ResponseReader(HttpResponseMessage response, Stream body, int maxMessageSize)
{
    private readonly byte[] _header = new byte[5];

    /// <summary>Throws for a response that is not gRPC or that is trailers-only with an error.</summary>
    public static void CheckHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new MailMeshRpcException(FromHttpStatus(response.StatusCode),
                $"the server answered HTTP {(int)response.StatusCode} {response.ReasonPhrase} instead of a gRPC response");
        }

        if (TryStatus(response.Headers, out var code, out var detail))
        {
            if (code != StatusCode.OK)
            {
                throw new MailMeshRpcException(code, detail, ToMetadata(response.Headers));
            }

            return;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            throw new MailMeshRpcException(StatusCode.Internal, $"the server answered with content-type '{contentType}', not application/grpc");
        }
    }

    /// <summary>The next message, or null after the last one (when the status was OK).</summary>
    public async Task<T?> ReadAsync<T>(MessageParser<T> parser, CallDeadline deadline, GrpcChannel channel)
        where T : IMessage<T>
    {
        _ = channel;
        int read;
        try
        {
            read = await body.ReadAtLeastAsync(_header, 5, throwOnEndOfStream: false, deadline.Token).ConfigureAwait(false);
            if (read == 0)
            {
                ThrowIfFailed();
                return default;
            }

            if (read < 5)
            {
                throw new MailMeshRpcException(StatusCode.Internal, $"the response ended inside a frame header ({read} of 5 bytes)");
            }

            var compressed = _header[0] == 1;
            var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
            if (_header[0] > 1)
            {
                throw new MailMeshRpcException(StatusCode.Internal, $"malformed response frame: compressed flag 0x{_header[0]:X2}");
            }

            if (length > (uint)maxMessageSize)
            {
                throw new MailMeshRpcException(StatusCode.ResourceExhausted,
                    $"response message of {length} bytes is larger than the limit of {maxMessageSize} bytes");
            }

            var payload = new byte[length];
            await body.ReadExactlyAsync(payload, deadline.Token).ConfigureAwait(false);
            if (compressed)
            {
                var encoding = response.Headers.TryGetValues("grpc-encoding", out var values) ? values.First() : null;
                if (encoding is null || !MessageCompression.IsSupported(encoding) || encoding == MessageCompression.Identity)
                {
                    throw new MailMeshRpcException(StatusCode.Internal, $"compressed response message with unsupported grpc-encoding '{encoding}'");
                }

                payload = MessageCompression.Decompress(encoding, payload, maxMessageSize)
                    ?? throw new MailMeshRpcException(StatusCode.ResourceExhausted, "decompressed response message is too large");
            }

            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MailMeshRpcException(StatusCode.Internal, $"the response message could not be parsed: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            throw new MailMeshRpcException(StatusCode.Internal, "the response ended inside a message");
        }
        catch (Exception e) when (e is not MailMeshRpcException)
        {
            throw GrpcChannel.Translate(e, deadline);
        }
    }

    private void ThrowIfFailed()
    {
        if (!TryStatus(response.TrailingHeaders, out var code, out var detail))
        {
            throw new MailMeshRpcException(StatusCode.Internal, "the response ended without a grpc-status trailer");
        }

        if (code != StatusCode.OK)
        {
            throw new MailMeshRpcException(code, detail, ToMetadata(response.TrailingHeaders));
        }
    }

    private static bool TryStatus(System.Net.Http.Headers.HttpHeaders headers, out StatusCode code, out string detail)
    {
        code = StatusCode.Unknown;
        detail = string.Empty;
        if (!headers.TryGetValues("grpc-status", out var statuses))
        {
            return false;
        }

        var text = statuses.First();
        code = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? (StatusCode)value : StatusCode.Unknown;
        detail = headers.TryGetValues("grpc-message", out var messages) ? PercentEncoding.Decode(messages.First()) : string.Empty;
        return true;
    }

    private static CallMetadata ToMetadata(System.Net.Http.Headers.HttpHeaders headers)
    {
        var metadata = new CallMetadata();
        foreach (var (key, values) in headers)
        {
            foreach (var value in values)
            {
                metadata.AddRaw(key, value);
            }
        }

        return metadata;
    }

    private static StatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
