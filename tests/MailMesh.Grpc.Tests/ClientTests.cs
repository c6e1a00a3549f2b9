using System.Net;
using Google.Protobuf.Reflection;
using MailMesh.Client;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;
using ClientStatus = MailMesh.Client.StatusCode;

namespace MailMesh.Grpc.Tests;

/// <summary>The .NET client (client/MailMesh.Client) against the real transport.</summary>
public sealed class ClientTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private static readonly ServiceDescriptor Echo = EchoReflection.Descriptor.Services[0];
    private static readonly MethodDescriptor Unary = Echo.FindMethodByName("Unary");
    private static readonly MethodDescriptor ServerStream = Echo.FindMethodByName("ServerStream");

    private GrpcChannel Channel(HttpMessageHandler? handler = null, string? key = null) =>
        new(fixture.Server.Address, new GrpcChannelOptions { HttpHandler = handler, ApiKey = key });

    [Fact]
    public async Task UnaryAsync_ValidRequest_ReturnsReplyAndSendsKeyAndMetadata()
    {
        using var channel = Channel(key: "mm_secret");

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest { Text = "client" },
            new CallOptions { Headers = new CallMetadata().Add("x-tag", "t1").Add("x-raw-bin", [9, 8]) });

        Assert.Equal("client", reply.Text);
        Assert.Contains("authorization=Bearer mm_secret", reply.Metadata);
        Assert.Contains("x-tag=t1", reply.Metadata);
        Assert.Contains("x-raw-bin=0908", reply.Metadata);
    }

    [Fact]
    public async Task UnaryAsync_ErrorStatus_ThrowsWithCodeDecodedDetailAndTrailers()
    {
        using var channel = Channel();

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(
            Unary, new EchoRequest { FailWithStatus = (int)StatusCode.AlreadyExists, FailMessage = "mailbox ‘support’ exists: 100%" }));

        Assert.Equal(ClientStatus.AlreadyExists, e.StatusCode);
        Assert.Equal("mailbox ‘support’ exists: 100%", e.Detail);
        Assert.Equal("6", e.Trailers.Get("grpc-status"));
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task UnaryAsync_Timeout_ThrowsDeadlineExceededAndServerHandlerIsCancelled()
    {
        using var channel = Channel();

        // The deadline leaves the request time to reach its handler on a loaded machine: with 200 ms, a call cut short
        // before the server dispatched it left no handler to see the deadline.
        var call = channel.UnaryAsync<EchoRequest, EchoReply>(
            Unary, new EchoRequest { Text = "client-deadline", WaitForCancellation = true }, new CallOptions { Timeout = TimeSpan.FromSeconds(2) });
        await Wait.For(fixture.Server.Echo.Started("client-deadline"), "the handler to start");
        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => call);

        Assert.Equal(ClientStatus.DeadlineExceeded, e.StatusCode);
        await Wait.For(fixture.Server.Echo.CancellationObserved("client-deadline"), "the handler to see the deadline sent as grpc-timeout");
    }

    [Fact]
    public async Task UnaryAsync_CallerCancels_ThrowsOperationCanceledAndServerHandlerIsCancelled()
    {
        using var channel = Channel();
        using var cts = new CancellationTokenSource();
        var call = channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest { Text = "client-cancel", WaitForCancellation = true },
            cancellationToken: cts.Token);
        await Wait.For(fixture.Server.Echo.Started("client-cancel"), "the handler to start");

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await Wait.For(fixture.Server.Echo.CancellationObserved("client-cancel"), "the handler to see the client's cancellation");
    }

    [Fact]
    public async Task ServerStreamingAsync_Messages_AreYieldedThenErrorIsThrown()
    {
        using var channel = Channel();
        var received = new List<int>();

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(async () =>
        {
            await foreach (var reply in channel.ServerStreamingAsync<EchoRequest, EchoReply>(ServerStream,
                new EchoRequest { Count = 3, FailWithStatus = (int)StatusCode.ResourceExhausted, FailMessage = "slow" }))
            {
                received.Add(reply.Index);
            }
        });

        Assert.Equal([0, 1, 2], received);
        Assert.Equal(ClientStatus.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task ServerStreamingAsync_Ok_YieldsEveryMessage()
    {
        using var channel = Channel();

        var replies = new List<int>();
        await foreach (var reply in channel.ServerStreamingAsync<EchoRequest, EchoReply>(ServerStream, new EchoRequest { Count = 10 }))
        {
            replies.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 10), replies);
    }

    [Fact]
    public async Task UnaryAsync_UnavailableWithRetryPolicy_RetriesWithBackoffUntilSuccess()
    {
        using var flaky = new FlakyHandler(failures: 2);
        using var channel = Channel(flaky);

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest { Text = "retry" },
            new CallOptions { Retry = new RetryPolicy { MaxAttempts = 4, InitialBackoff = TimeSpan.FromMilliseconds(1) } });

        Assert.Equal("retry", reply.Text);
        Assert.Equal(3, flaky.Attempts);
    }

    [Fact]
    public async Task UnaryAsync_UnavailableWithoutRetryPolicy_FailsAfterOneAttempt()
    {
        using var flaky = new FlakyHandler(failures: 1);
        using var channel = Channel(flaky);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest { Text = "no-retry" }));

        Assert.Equal(ClientStatus.Unavailable, e.StatusCode);
        Assert.True(e.IsTransient);
        Assert.Equal(1, flaky.Attempts);
    }

    [Fact]
    public async Task UnaryAsync_RetriesExhausted_ThrowsUnavailable()
    {
        using var flaky = new FlakyHandler(failures: 10);
        using var channel = Channel(flaky);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest(),
            new CallOptions { Retry = new RetryPolicy { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(1) } }));

        Assert.Equal(ClientStatus.Unavailable, e.StatusCode);
        Assert.Equal(3, flaky.Attempts);
    }

    [Fact]
    public async Task UnaryAsync_NothingListening_ThrowsUnavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{port}"));

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest()));

        Assert.Equal(ClientStatus.Unavailable, e.StatusCode);
    }

    [Fact]
    public void GrpcChannel_UnsupportedScheme_ThrowsSayingWhichSchemesWork()
    {
        var e = Assert.Throws<ArgumentException>(() => new GrpcChannel(new Uri("ftp://127.0.0.1")));

        Assert.Contains("http://", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Answers 503 for the first <c>failures</c> requests, then passes requests to the real server.</summary>
    private sealed class FlakyHandler(int failures) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) <= failures)
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Version = HttpVersion.Version20 });
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
