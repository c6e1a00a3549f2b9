using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grpc.Tests;

/// <summary>
/// Clients that go away in the middle of a call: the call ends with a debug entry (event 4002),
/// nothing reaches the log as a warning or error, and the server keeps serving.
/// </summary>
public sealed class DisconnectTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private const int CancelledByClient = 4002;

    private async Task<LogCollector.LogEntry> CancelledLogged(string method)
    {
        var logged = fixture.Server.Logs.WaitFor(e => e.EventId.Id == CancelledByClient && e.Message.Contains(method, StringComparison.Ordinal));
        try
        {
            return await Wait.For(logged, $"the debug entry saying {method} was cancelled by the client");
        }
        catch (TimeoutException e)
        {
            var seen = string.Join(" | ", fixture.Server.Logs.Entries.Select(x => $"{x.Level} {x.EventId.Id} {x.Message} {x.Exception?.GetType().Name}"));
            throw new TimeoutException($"{e.Message}; the log has: {seen}", e);
        }
    }

    private async Task AssertStillServingAndQuiet()
    {
        var ok = await fixture.Client.CallAsync("/mailmesh.testing.v1.Echo/Unary", new EchoRequest { Text = "still here" });
        Assert.Equal(StatusCode.OK, ok.Status);
        var loud = fixture.Server.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();
        Assert.True(loud.Count == 0, "unexpected warnings or errors: " + string.Join(" | ", loud.Select(e => $"{e.Category}: {e.Message} {e.Exception}")));
    }

    [Fact]
    public async Task ServerStreaming_ClientDisconnectsWhileServerIsWriting_CallEndsQuietly()
    {
        using var cts = new CancellationTokenSource();
        var call = await fixture.Client.StartStreamAsync("/mailmesh.testing.v1.Echo/ServerStream", cancellationToken: cts.Token);
        await call.SendAsync(new EchoRequest { Text = "writing", Count = 1_000_000, ResponsePadding = 1024 });
        call.CompleteRequest();

        Assert.NotNull(await Wait.For(call.ReadAsync(), "the first of many streamed messages"));
        await cts.CancelAsync();
        await call.DisposeAsync();

        var entry = await CancelledLogged("ServerStream");
        Assert.Equal(LogLevel.Debug, entry.Level);
        await AssertStillServingAndQuiet();
    }

    [Fact]
    public async Task Bidi_ClientResetsWhileServerWaitsForTheNextMessage_CallEndsQuietly()
    {
        var call = await fixture.Client.StartStreamAsync("/mailmesh.testing.v1.Echo/Bidi");
        await call.SendAsync(new EchoRequest { Text = "first" });
        Assert.NotNull(await Wait.For(call.ReadAsync(), "the reply to the first message"));

        // The response has started, so dropping it is what resets the stream (disposing would
        // first complete the request body, so it waits until the reset has ended the call).
        await call.AbortAsync();
        await CancelledLogged("Bidi");
        await call.DisposeAsync();
        await AssertStillServingAndQuiet();
    }

    [Fact]
    public async Task ClientStreaming_ClientResetsBeforeTheEndOfTheRequest_CallEndsQuietly()
    {
        using var cts = new CancellationTokenSource();
        var call = await fixture.Client.StartStreamAsync("/mailmesh.testing.v1.Echo/ClientStream", cancellationToken: cts.Token);
        await call.SendAsync(new EchoRequest { Text = "client-stream-a" });
        await call.SendAsync(new EchoRequest { Text = "client-stream-b" });
        await Wait.For(fixture.Server.Echo.Started("client-stream-b"), "the handler to read the second message");

        // The server is now waiting for a third message or the end of the request; the reset comes
        // before the end (disposing would complete the request body, so it waits).
        await cts.CancelAsync();
        await CancelledLogged("ClientStream");
        await call.DisposeAsync();
        await AssertStillServingAndQuiet();
    }
}
