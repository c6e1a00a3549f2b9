using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Google.Protobuf;

namespace MailMesh.Grpc.Tests.Infrastructure;

/// <summary>A gRPC client built from nothing but HttpClient HTTP/2 and hand-made frames, to see the wire as it is.</summary>
public sealed class RawGrpcClient : IDisposable
{
    private readonly HttpClient _http;

    public RawGrpcClient(Uri address, bool acceptAnyCertificate = false)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (acceptAnyCertificate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        _http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public static byte[] Frame(byte[] payload, byte flag = 0, int? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? payload.Length));
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static HttpRequestMessage Request(string path, HttpContent content, string contentType = "application/grpc")
    {
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.ParseAdd("trailers");
        return request;
    }

    /// <summary>Sends one body and reads the whole response.</summary>
    public async Task<RawGrpcResponse> CallAsync(
        string path, byte[] body, Action<HttpRequestMessage>? configure = null, string contentType = "application/grpc")
    {
        using var request = Request(path, new ByteArrayContent(body), contentType);
        configure?.Invoke(request);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var frames = new List<RawFrame>();
        while (await ReadRawFrameAsync(stream, CancellationToken.None) is { } frame)
        {
            frames.Add(frame);
        }

        return new RawGrpcResponse(response, frames);
    }

    public Task<RawGrpcResponse> CallAsync(string path, IMessage message, Action<HttpRequestMessage>? configure = null) =>
        CallAsync(path, Frame(message), configure);

    /// <summary>Starts a call whose request body is written message by message and whose response is read as it comes.</summary>
    public async Task<RawGrpcStream> StartStreamAsync(string path, Action<HttpRequestMessage>? configure = null, CancellationToken cancellationToken = default)
    {
        var content = new ChannelContent();
        var request = Request(path, content);
        configure?.Invoke(request);
        var responseTask = _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return new RawGrpcStream(request, content, responseTask);
    }

    /// <summary>Reads one uncompressed message frame; null at the end of the body.</summary>
    public static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var frame = await ReadRawFrameAsync(stream, cancellationToken);
        if (frame is { Compressed: true })
        {
            throw new InvalidDataException("response frame is compressed (flag 1) but no compression was requested");
        }

        return frame?.Payload;
    }

    /// <summary>Reads one message frame as it is on the wire (payload still compressed if flagged); null at the end of the body.</summary>
    public static async Task<RawFrame?> ReadRawFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var read = await stream.ReadAtLeastAsync(header, 5, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return null;
        }

        if (read < 5)
        {
            throw new InvalidDataException($"response ended inside a frame header ({read} of 5 bytes)");
        }

        if (header[0] > 1)
        {
            throw new InvalidDataException($"response frame has compressed flag {header[0]}; only 0 and 1 are valid");
        }

        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return new RawFrame(header[0] == 1, payload);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A request body fed from a channel, so a test can write messages while reading replies.</summary>
    public sealed class ChannelContent : HttpContent
    {
        private readonly Channel<byte[]> _frames = Channel.CreateUnbounded<byte[]>();

        public ValueTask WriteAsync(byte[] frame) => _frames.Writer.WriteAsync(frame);

        public void Complete() => _frames.Writer.TryComplete();

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        /// <summary>Stops at once when the request is cancelled, so the client resets the stream instead of ending it.</summary>
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync(cancellationToken))
            {
                await stream.WriteAsync(frame, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>One message frame: its compressed flag and its payload as sent.</summary>
public sealed record RawFrame(bool Compressed, byte[] Payload);

/// <summary>A whole response: HTTP status, headers, message payloads and trailers.</summary>
public sealed class RawGrpcResponse
{
    public RawGrpcResponse(HttpResponseMessage response, List<RawFrame> frames)
    {
        HttpStatus = response.StatusCode;
        Version = response.Version;
        Headers = response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        foreach (var h in response.Content.Headers)
        {
            Headers[h.Key] = string.Join(",", h.Value);
        }

        Trailers = response.TrailingHeaders.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        Frames = frames;
        Messages = frames.Select(Decode).ToList();
    }

    /// <summary>The frames as sent: compressed flag and raw payload.</summary>
    public List<RawFrame> Frames { get; }

    public HttpStatusCode HttpStatus { get; }

    public Version Version { get; }

    public Dictionary<string, string> Headers { get; }

    public Dictionary<string, string> Trailers { get; }

    /// <summary>The message payloads, decompressed per the response's grpc-encoding where flagged.</summary>
    public List<byte[]> Messages { get; }

    /// <summary>The response's grpc-encoding header, or null.</summary>
    public string? Encoding => Headers.GetValueOrDefault("grpc-encoding");

    /// <summary>True when the status came in the headers with no body and no trailers.</summary>
    public bool IsTrailersOnly => Headers.ContainsKey("grpc-status");

    public StatusCode Status => (StatusCode)int.Parse((IsTrailersOnly ? Headers : Trailers)["grpc-status"], System.Globalization.CultureInfo.InvariantCulture);

    public string? RawMessage => (IsTrailersOnly ? Headers : Trailers).GetValueOrDefault("grpc-message");

    public T Single<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        Assert.True(Messages.Count == 1, $"expected one response message, got {Messages.Count}; status {StatusText()}");
        return parser.ParseFrom(Messages[0]);
    }

    private byte[] Decode(RawFrame frame)
    {
        if (!frame.Compressed)
        {
            return frame.Payload;
        }

        using var input = new MemoryStream(frame.Payload);
        using Stream decoder = Encoding switch
        {
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            "deflate" => new ZLibStream(input, CompressionMode.Decompress),
            _ => throw new InvalidDataException($"response frame is compressed but grpc-encoding is '{Encoding}'"),
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    public string StatusText()
    {
        var source = IsTrailersOnly ? Headers : Trailers;
        return $"{source.GetValueOrDefault("grpc-status", "<none>")} '{source.GetValueOrDefault("grpc-message")}' (HTTP {(int)HttpStatus})";
    }
}

/// <summary>An open streaming call.</summary>
public sealed class RawGrpcStream(HttpRequestMessage request, RawGrpcClient.ChannelContent content, Task<HttpResponseMessage> responseTask) : IAsyncDisposable
{
    private Stream? _body;

    public HttpResponseMessage? Response { get; private set; }

    public ValueTask SendAsync(IMessage message) => content.WriteAsync(RawGrpcClient.Frame(message));

    public void CompleteRequest() => content.Complete();

    public async Task<byte[]?> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_body is null)
        {
            Response = await responseTask.WaitAsync(cancellationToken);
            _body = await Response.Content.ReadAsStreamAsync(cancellationToken);
        }

        return await RawGrpcClient.ReadFrameAsync(_body, cancellationToken);
    }

    /// <summary>Drops the response without ending the request: the client resets the stream, as a client that goes away does.</summary>
    public async Task AbortAsync()
    {
        if (_body is not null)
        {
            await _body.DisposeAsync();
            _body = null;
        }

        Response?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        content.Complete();
        if (_body is not null)
        {
            await _body.DisposeAsync();
        }

        Response?.Dispose();
        request.Dispose();
    }
}
