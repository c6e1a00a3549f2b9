using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;

namespace MailMesh.Grpc.Tests;

public sealed class DeadlineTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private const string Unary = "/mailmesh.testing.v1.Echo/Unary";

    [Fact]
    public async Task Unary_DeadlineExpiresMidCall_ReturnsDeadlineExceededAndCancelsHandler()
    {
        var response = await Wait.For(
            fixture.Client.CallAsync(Unary, new EchoRequest { Text = "deadline-1", WaitForCancellation = true },
                r => r.Headers.Add("grpc-timeout", "200m")),
            "the DEADLINE_EXCEEDED response");

        Assert.Equal(StatusCode.DeadlineExceeded, response.Status);
        await Wait.For(fixture.Server.Echo.CancellationObserved("deadline-1"), "the handler to see its token cancelled");
    }

    [Fact]
    public async Task Unary_HandlerIgnoresCancellation_ClientStillGetsDeadlineExceededOnTime()
    {
        var response = await Wait.For(
            fixture.Client.CallAsync(Unary, new EchoRequest { Text = "deadline-ignored", IgnoreCancellation = true },
                r => r.Headers.Add("grpc-timeout", "150000u")),
            "the DEADLINE_EXCEEDED response although the handler ignores cancellation");

        Assert.Equal(StatusCode.DeadlineExceeded, response.Status);
    }

    [Fact]
    public async Task ServerStreaming_DeadlineAfterMessages_EndsWithDeadlineExceededTrailer()
    {
        var response = await Wait.For(
            fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/ServerStream",
                new EchoRequest { Text = "deadline-stream", Count = 2, WaitForCancellation = true },
                r => r.Headers.Add("grpc-timeout", "1S")),
            "the streamed messages and DEADLINE_EXCEEDED trailer");

        Assert.Equal(2, response.Messages.Count);
        Assert.False(response.IsTrailersOnly);
        Assert.Equal(StatusCode.DeadlineExceeded, response.Status);
    }

    [Fact]
    public async Task Unary_ZeroTimeout_ReturnsDeadlineExceededWithoutRunningHandler()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest { Text = "deadline-zero" },
            r => r.Headers.Add("grpc-timeout", "0n"));

        Assert.Equal(StatusCode.DeadlineExceeded, response.Status);
        Assert.False(fixture.Server.Echo.Started("deadline-zero").IsCompleted);
    }

    [Fact]
    public async Task Unary_GenerousTimeout_Succeeds()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest { Text = "in-time" },
            r => r.Headers.Add("grpc-timeout", "99999999H"));

        Assert.Equal(StatusCode.OK, response.Status);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("5x")]
    public async Task Unary_MalformedTimeout_ReturnsInternalNamingTheHeader(string timeout)
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest(), r => r.Headers.Add("grpc-timeout", timeout));

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("grpc-timeout", response.RawMessage, StringComparison.Ordinal);
    }
}
