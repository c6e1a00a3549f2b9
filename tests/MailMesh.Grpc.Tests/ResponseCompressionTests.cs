using Google.Protobuf.Reflection;
using MailMesh.Client;
using MailMesh.Grpc.Internal;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;

namespace MailMesh.Grpc.Tests;

/// <summary>A server with <c>ResponseCompressionAlgorithm = "gzip"</c> (and the default 1 KiB minimum size).</summary>
public sealed class GzipServerFixture : IAsyncLifetime
{
    public GrpcTestServer Server { get; private set; } = null!;

    public RawGrpcClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await GrpcTestServer.StartAsync(o => o.ResponseCompressionAlgorithm = "gzip");
        Client = new RawGrpcClient(Server.Address);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Response messages are compressed when the server (or the handler) asks for it and the client accepts it.</summary>
public sealed class ResponseCompressionTests(GzipServerFixture fixture) : IClassFixture<GzipServerFixture>
{
    private const string Unary = "/mailmesh.testing.v1.Echo/Unary";
    private const string ServerStream = "/mailmesh.testing.v1.Echo/ServerStream";
    private static readonly ServiceDescriptor Echo = EchoReflection.Descriptor.Services[0];

    private static Action<HttpRequestMessage> Accept(string? encodings) => request =>
    {
        if (encodings is not null)
        {
            request.Headers.Add("grpc-accept-encoding", encodings);
        }
    };

    [Fact]
    public async Task Unary_ClientAcceptsGzip_LargeResponseIsCompressedWithGrpcEncodingHeader()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { Text = "big", ResponsePadding = 64 * 1024 }),
            Accept("identity,gzip"));

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.Equal("gzip", response.Encoding);
        var frame = Assert.Single(response.Frames);
        Assert.True(frame.Compressed, "the 64 KiB response should be sent with the compressed flag");
        Assert.True(frame.Payload.Length < 1024, $"64 KiB of zero padding should compress to under 1 KiB, not {frame.Payload.Length} bytes");
        var reply = response.Single(EchoReply.Parser);
        Assert.Equal("big", reply.Text);
        Assert.Equal(64 * 1024, reply.Padding.Length);
    }

    [Fact]
    public async Task Unary_ResponseUnderMinimumSize_IsSentUncompressed()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { Text = "small" }), Accept("gzip"));

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.False(Assert.Single(response.Frames).Compressed, "a reply under ResponseCompressionMinSize should not be compressed");
        Assert.Equal("small", response.Single(EchoReply.Parser).Text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("identity")]
    [InlineData("identity,deflate")]
    public async Task Unary_ClientDoesNotAcceptGzip_ResponseIsUncompressedWithoutGrpcEncoding(string? accept)
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { Text = "big", ResponsePadding = 8192 }),
            Accept(accept));

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.Null(response.Encoding);
        Assert.False(Assert.Single(response.Frames).Compressed, $"the client accepted '{accept}', so the reply must not be gzip");
        Assert.Equal(8192, response.Single(EchoReply.Parser).Padding.Length);
    }

    [Fact]
    public async Task Unary_AcceptEncodingWithSpacesAndUpperCase_IsUnderstood()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { ResponsePadding = 4096 }),
            Accept("identity, GZIP"));

        Assert.True(Assert.Single(response.Frames).Compressed);
        Assert.Equal(4096, response.Single(EchoReply.Parser).Padding.Length);
    }

    [Fact]
    public async Task ServerStreaming_ClientAcceptsGzip_EachLargeMessageIsCompressed()
    {
        var response = await fixture.Client.CallAsync(ServerStream,
            RawGrpcClient.Frame(new EchoRequest { Text = "s", Count = 3, ResponsePadding = 2048 }), Accept("gzip"));

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.Equal(3, response.Frames.Count);
        Assert.All(response.Frames, f => Assert.True(f.Compressed));
        Assert.Equal([0, 1, 2], response.Messages.Select(m => EchoReply.Parser.ParseFrom(m).Index));
    }

    [Fact]
    public async Task Unary_HandlerTurnsCompressionOff_ResponseIsUncompressed()
    {
        var response = await fixture.Client.CallAsync(Unary,
            RawGrpcClient.Frame(new EchoRequest { ResponsePadding = 8192, ResponseCompression = "none" }), Accept("gzip"));

        Assert.Null(response.Encoding);
        Assert.False(Assert.Single(response.Frames).Compressed, "the handler chose no compression for this call");
    }

    [Fact]
    public async Task Unary_HandlerChoosesDeflate_ResponseIsZlibCompressed()
    {
        var response = await fixture.Client.CallAsync(Unary,
            RawGrpcClient.Frame(new EchoRequest { ResponsePadding = 8192, ResponseCompression = "deflate" }), Accept("gzip,deflate"));

        Assert.Equal("deflate", response.Encoding);
        Assert.True(Assert.Single(response.Frames).Compressed);
        Assert.Equal(8192, response.Single(EchoReply.Parser).Padding.Length);
    }

    [Fact]
    public async Task Unary_HandlerChoosesUnsupportedAlgorithm_ReturnsInternal()
    {
        var response = await fixture.Client.CallAsync(Unary,
            RawGrpcClient.Frame(new EchoRequest { Text = "br", ResponseCompression = "br" }), Accept("gzip"));

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains(fixture.Server.Logs.Entries, e => e.Exception is ArgumentException a && a.Message.Contains("'br'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unary_ErrorStatus_IsTrailersOnlyWithoutGrpcEncoding()
    {
        var response = await fixture.Client.CallAsync(Unary,
            RawGrpcClient.Frame(new EchoRequest { FailWithStatus = (int)StatusCode.NotFound, FailMessage = "gone" }), Accept("gzip"));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(StatusCode.NotFound, response.Status);
        Assert.Null(response.Encoding);
    }

    [Fact]
    public async Task UnaryAsync_DotNetClient_DecompressesGzipResponses()
    {
        using var channel = new GrpcChannel(fixture.Server.Address);

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(Echo.FindMethodByName("Unary"),
            new EchoRequest { Text = "dotnet", ResponsePadding = 100_000 },
            new CallOptions { Headers = new CallMetadata().Add(GrpcTestServer.ProbeHeader, "dotnet-unary") });

        Assert.Equal("dotnet", reply.Text);
        Assert.Equal(100_000, reply.Padding.Length);
        Assert.Equal("gzip", fixture.Server.ResponseEncodings["dotnet-unary"]);
    }

    [Fact]
    public async Task ServerStreamingAsync_DotNetClient_DecompressesEveryMessage()
    {
        using var channel = new GrpcChannel(fixture.Server.Address);

        var replies = new List<EchoReply>();
        await foreach (var reply in channel.ServerStreamingAsync<EchoRequest, EchoReply>(Echo.FindMethodByName("ServerStream"),
                           new EchoRequest { Text = "stream", Count = 4, ResponsePadding = 5000 },
                           new CallOptions { Headers = new CallMetadata().Add(GrpcTestServer.ProbeHeader, "dotnet-stream") }))
        {
            replies.Add(reply);
        }

        Assert.Equal([0, 1, 2, 3], replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(5000, r.Padding.Length));
        Assert.Equal("gzip", fixture.Server.ResponseEncodings["dotnet-stream"]);
    }

    [NodeFact]
    public async Task GrpcJs_ServerCompressionOn_GzipRequestAndResponseRoundTrip()
    {
        var result = await NodeInterop.RunAsync(fixture.Server.Address, "compression");

        Assert.True(result.GetProperty("textIntact").GetBoolean(), "the gzip-compressed 5,000-character request text came back intact");
        Assert.Equal(65536, result.GetProperty("paddingLength").GetInt32());
        Assert.True(result.GetProperty("paddingZero").GetBoolean());
        Assert.Equal("gzip", fixture.Server.RequestEncodings["node-compression-default"]);
        Assert.Equal("gzip", fixture.Server.ResponseEncodings["node-compression-default"]);
    }
}

/// <summary>The default server does not compress responses unless a handler asks for it.</summary>
public sealed class ResponseCompressionDefaultTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private const string Unary = "/mailmesh.testing.v1.Echo/Unary";

    [Fact]
    public async Task Unary_DefaultOptions_ResponseIsUncompressedEvenWhenClientAcceptsGzip()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { ResponsePadding = 64 * 1024 }),
            r => r.Headers.Add("grpc-accept-encoding", "identity,gzip,deflate"));

        Assert.Null(response.Encoding);
        Assert.False(Assert.Single(response.Frames).Compressed, "response compression is off by default");
    }

    [Fact]
    public async Task Unary_HandlerChoosesGzip_ResponseIsCompressed()
    {
        var response = await fixture.Client.CallAsync(Unary,
            RawGrpcClient.Frame(new EchoRequest { ResponsePadding = 64 * 1024, ResponseCompression = "gzip" }),
            r => r.Headers.Add("grpc-accept-encoding", "gzip"));

        Assert.Equal("gzip", response.Encoding);
        Assert.True(Assert.Single(response.Frames).Compressed);
        Assert.Equal(64 * 1024, response.Single(EchoReply.Parser).Padding.Length);
    }

    [NodeFact]
    public async Task GrpcJs_HandlerChoosesGzip_ResponseIsCompressedAndDecoded()
    {
        var result = await NodeInterop.RunAsync(fixture.Server.Address, "compression", "gzip");

        Assert.Equal(65536, result.GetProperty("paddingLength").GetInt32());
        Assert.Equal("gzip", fixture.Server.ResponseEncodings["node-compression-gzip"]);
    }

    [Theory]
    [InlineData("br", "gzip or deflate")]
    [InlineData("identity", "gzip or deflate")]
    public void Validate_UnsupportedResponseCompression_FailsNamingTheChoices(string algorithm, string expected)
    {
        var result = new GrpcServerOptionsValidator().Validate(null, new GrpcServerOptions { ResponseCompressionAlgorithm = algorithm });

        Assert.True(result.Failed);
        Assert.Contains("Grpc:ResponseCompressionAlgorithm", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeMinimumSize_Fails()
    {
        var result = new GrpcServerOptionsValidator().Validate(null, new GrpcServerOptions { ResponseCompressionMinSize = -1 });

        Assert.True(result.Failed);
        Assert.Contains("Grpc:ResponseCompressionMinSize", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("identity,gzip,deflate", "gzip", true)]
    [InlineData(" gzip ", "gzip", true)]
    [InlineData("identity,deflate", "gzip", false)]
    [InlineData("gzipx", "gzip", false)]
    [InlineData("", "gzip", false)]
    [InlineData(null, "gzip", false)]
    public void MessageCompressionAccepts_Lists_FindsWholeNamesOnly(string? accept, string encoding, bool expected) =>
        Assert.Equal(expected, MessageCompression.Accepts(accept, encoding));
}
