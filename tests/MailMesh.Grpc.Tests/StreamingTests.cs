using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grpc.Tests;

public sealed class StreamingTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    [Fact]
    public async Task ServerStreaming_Count_SendsAllMessagesThenOk()
    {
        var response = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/ServerStream", new EchoRequest { Text = "s", Count = 25 });

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.Equal(Enumerable.Range(0, 25), response.Messages.Select(m => EchoReply.Parser.ParseFrom(m).Index));
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_SendsStatusInTrailers()
    {
        var response = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/ServerStream",
            new EchoRequest { Text = "s", Count = 3, FailWithStatus = (int)StatusCode.Unavailable, FailMessage = "going away" });

        Assert.Equal(3, response.Messages.Count);
        Assert.False(response.IsTrailersOnly);
        Assert.Equal(StatusCode.Unavailable, response.Status);
        Assert.Equal("going away", response.RawMessage);
    }

    [Fact]
    public async Task ServerStreaming_ClientDisconnectsMidStream_HandlerIsCancelledQuietly()
    {
        using var cts = new CancellationTokenSource();
        var call = await fixture.Client.StartStreamAsync("/mailmesh.testing.v1.Echo/ServerStream", cancellationToken: cts.Token);
        await call.SendAsync(new EchoRequest { Text = "disconnect-1", Count = 1, WaitForCancellation = true });
        call.CompleteRequest();

        var first = await Wait.For(call.ReadAsync(), "the first streamed message");
        Assert.NotNull(first);
        cts.Cancel();
        await call.DisposeAsync();

        await Wait.For(fixture.Server.Echo.CancellationObserved("disconnect-1"), "the handler to see the client's cancellation");
        var ok = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/Unary", new EchoRequest { Text = "after" });
        Assert.Equal(StatusCode.OK, ok.Status);
        Assert.DoesNotContain(fixture.Server.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ClientStreaming_SeveralMessages_ReturnsOneReplyWithAll()
    {
        byte[] body = [.. RawGrpcClient.Frame(new EchoRequest { Text = "a" }), .. RawGrpcClient.Frame(new EchoRequest { Text = "b" }), .. RawGrpcClient.Frame(new EchoRequest { Text = "c" })];

        var response = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/ClientStream", body);

        var reply = response.Single(EchoReply.Parser);
        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(3, reply.Index);
    }

    [Fact]
    public async Task ClientStreaming_NoMessages_ReturnsEmptyReply()
    {
        var response = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/ClientStream", []);

        Assert.Equal(0, response.Single(EchoReply.Parser).Index);
    }

    [Fact]
    public async Task Bidi_InterleavedMessages_EachIsAnsweredBeforeTheNextIsSent()
    {
        await using var call = await fixture.Client.StartStreamAsync("/mailmesh.testing.v1.Echo/Bidi");

        for (var i = 0; i < 3; i++)
        {
            await call.SendAsync(new EchoRequest { Text = $"ping{i}" });
            var reply = await Wait.For(call.ReadAsync(), $"the reply to ping{i}");
            Assert.Equal($"ping{i}", EchoReply.Parser.ParseFrom(reply).Text);
        }

        call.CompleteRequest();
        Assert.Null(await Wait.For(call.ReadAsync(), "the end of the response stream"));
        Assert.Equal("0", string.Join(",", call.Response!.TrailingHeaders.GetValues("grpc-status")));
    }
}
