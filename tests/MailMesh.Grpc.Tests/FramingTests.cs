using Google.Protobuf;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;

namespace MailMesh.Grpc.Tests;

public sealed class FramingTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private const string Unary = "/mailmesh.testing.v1.Echo/Unary";

    private async Task AssertServerStillServes()
    {
        var ok = await fixture.Client.CallAsync(Unary, new EchoRequest { Text = "still-alive" });
        Assert.Equal(StatusCode.OK, ok.Status);
        Assert.Equal("still-alive", ok.Single(EchoReply.Parser).Text);
    }

    [Fact]
    public async Task Unary_MalformedCompressedFlag_ReturnsInternalAndServerKeepsServing()
    {
        var body = RawGrpcClient.Frame(new EchoRequest { Text = "a" }.ToByteArray(), flag: 7);

        var response = await fixture.Client.CallAsync(Unary, body);

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("compressed flag is 0x07", response.RawMessage, StringComparison.Ordinal);
        await AssertServerStillServes();
    }

    [Fact]
    public async Task Unary_TruncatedBody_ReturnsInternalAndServerKeepsServing()
    {
        var full = RawGrpcClient.Frame(new EchoRequest { Text = "truncated body here" });
        var body = full[..(full.Length - 6)];

        var response = await fixture.Client.CallAsync(Unary, body);

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains($"{full.Length - 11} of {full.Length - 5} bytes", response.RawMessage, StringComparison.Ordinal);
        await AssertServerStillServes();
    }

    [Fact]
    public async Task Unary_BodyEndsInsideFrameHeader_ReturnsInternal()
    {
        var response = await fixture.Client.CallAsync(Unary, [0, 0, 0]);

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("frame header (3 of 5 bytes)", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_PayloadIsNotProtobuf_ReturnsInternalNamingTheType()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame([0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("mailmesh.testing.v1.EchoRequest", response.RawMessage, StringComparison.Ordinal);
        await AssertServerStillServes();
    }

    [Fact]
    public async Task Unary_NoMessage_ReturnsInternal()
    {
        var response = await fixture.Client.CallAsync(Unary, []);

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("without a message", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_TwoMessages_ReturnsInternal()
    {
        var one = RawGrpcClient.Frame(new EchoRequest { Text = "1" });

        var response = await fixture.Client.CallAsync(Unary, [.. one, .. one]);

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("more than one message", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_MessageOverDefaultLimit_ReturnsResourceExhaustedAndServerKeepsServing()
    {
        var payload = new EchoRequest { Text = new string('x', GrpcServerOptions.DefaultMaxReceiveMessageSize) }.ToByteArray();

        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(payload));

        Assert.Equal(StatusCode.ResourceExhausted, response.Status);
        Assert.Contains($"{payload.Length} bytes is larger than the limit of 4194304", response.RawMessage, StringComparison.Ordinal);
        await AssertServerStillServes();
    }

    [Fact]
    public async Task Unary_MessageJustUnderDefaultLimit_IsAccepted()
    {
        var request = new EchoRequest { Text = new string('y', GrpcServerOptions.DefaultMaxReceiveMessageSize - 16) };

        var response = await fixture.Client.CallAsync(Unary, request);

        Assert.Equal(StatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Unary_ConfiguredLimits_ApplyToRequestsAndResponses()
    {
        await using var server = await GrpcTestServer.StartAsync(o =>
        {
            o.MaxReceiveMessageSize = 100;
            o.MaxSendMessageSize = 200;
        });
        using var client = new RawGrpcClient(server.Address);

        var tooBig = await client.CallAsync(Unary, new EchoRequest { Text = new string('z', 200) });
        var replyTooBig = await client.CallAsync(Unary, new EchoRequest { Text = "r", ResponsePadding = 500 });
        var fine = await client.CallAsync(Unary, new EchoRequest { Text = "ok" });

        Assert.Equal(StatusCode.ResourceExhausted, tooBig.Status);
        Assert.Contains("limit of 100 bytes", tooBig.RawMessage, StringComparison.Ordinal);
        Assert.Equal(StatusCode.ResourceExhausted, replyTooBig.Status);
        Assert.Contains("limit of 200 bytes", replyTooBig.RawMessage, StringComparison.Ordinal);
        Assert.Equal(StatusCode.OK, fine.Status);
    }
}
