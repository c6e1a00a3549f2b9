using System.Net;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grpc.Tests;

public sealed class UnaryCallTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private const string Unary = "/mailmesh.testing.v1.Echo/Unary";

    [Fact]
    public async Task Unary_ValidRequest_ReturnsMessageThenOkTrailers()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest { Text = "hello" });

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Headers["Content-Type"]);
        Assert.False(response.IsTrailersOnly);
        Assert.Equal(StatusCode.OK, response.Status);
        Assert.Equal("hello", response.Single(EchoReply.Parser).Text);
    }

    [Fact]
    public async Task Unary_UnknownService_ReturnsUnimplementedTrailersOnly()
    {
        var response = await fixture.Client.CallAsync("/nope.v1.Missing/Call", new EchoRequest());

        Assert.True(response.IsTrailersOnly, "an error before any message must be trailers-only");
        Assert.Empty(response.Messages);
        Assert.Equal(StatusCode.Unimplemented, response.Status);
        Assert.Contains("nope.v1.Missing", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_UnmappedMethodOfKnownService_ReturnsUnimplemented()
    {
        var response = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/Unmapped", new EchoRequest());

        Assert.Equal(StatusCode.Unimplemented, response.Status);
        Assert.Contains("Unmapped", response.RawMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.NotFound)]
    [InlineData(StatusCode.AlreadyExists)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Aborted)]
    public async Task Unary_HandlerThrowsRpcException_ClientGetsThatStatusAndMessage(StatusCode code)
    {
        var response = await fixture.Client.CallAsync(Unary,
            new EchoRequest { Text = "x", FailWithStatus = (int)code, FailMessage = $"because {code}" });

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(code, response.Status);
        Assert.Equal($"because {code}", response.RawMessage);
    }

    [Fact]
    public async Task Unary_InvalidArgumentException_NamesTheField()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest { InvalidField = "mailbox.address" });

        Assert.Equal(StatusCode.InvalidArgument, response.Status);
        Assert.Equal("invalid mailbox.address: must not be empty", response.RawMessage);
    }

    [Fact]
    public async Task Unary_UnexpectedException_ReturnsInternalWithoutLeakingAndLogsOnce()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest { Text = "boom-once", ThrowUnexpected = true });

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.DoesNotContain("hunter2", response.RawMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", response.RawMessage, StringComparison.Ordinal);
        var errors = fixture.Server.Logs.Entries
            .Where(e => e.Level >= LogLevel.Error && e.Exception?.Message.Contains("hunter2", StringComparison.Ordinal) == true)
            .ToList();
        Assert.Single(errors);
        Assert.Equal(4001, errors[0].EventId.Id);
    }

    [Fact]
    public async Task Unary_StatusMessageWithPercentAndUnicode_IsPercentEncodedOnTheWire()
    {
        var response = await fixture.Client.CallAsync(Unary,
            new EchoRequest { FailWithStatus = (int)StatusCode.NotFound, FailMessage = "100% über\nline" });

        Assert.Equal("100%25 %C3%BCber%0Aline", response.RawMessage);
    }

    [Fact]
    public async Task Unary_NotGrpcContentType_Returns415()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest()), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
    }

    [Fact]
    public async Task Unary_GrpcProtoContentType_IsAccepted()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { Text = "p" }), contentType: "application/grpc+proto");

        Assert.Equal(StatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Unary_ManyConcurrentCalls_AllSucceed()
    {
        var calls = Enumerable.Range(0, 50)
            .Select(i => fixture.Client.CallAsync(Unary, new EchoRequest { Text = $"c{i}" }))
            .ToList();

        var responses = await Wait.For(Task.WhenAll(calls), "50 concurrent unary calls");

        for (var i = 0; i < responses.Length; i++)
        {
            Assert.Equal($"c{i}", responses[i].Single(EchoReply.Parser).Text);
        }
    }
}
