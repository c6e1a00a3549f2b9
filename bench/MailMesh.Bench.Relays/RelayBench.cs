using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Bench.Relays;

/// <summary>Events from the log of a real embedded silo to a webhook receiver and to RabbitMQ.</summary>
internal static class RelayBench
{
    private const int Producers = 32;

    public static async Task<Result> WebhookAsync(int events)
    {
        var received = new Receipts();
        var receiverUrl = FreeUrl();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(receiverUrl);
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            received.Add(body.RootElement);
            return Results.NoContent();
        });
        await receiver.StartAsync();

        await using var silo = await BenchSilo.StartAsync(["--Relays:Webhooks:AllowedNetworks:0", "127.0.0.1/32"]);
        await silo.Client.Webhooks.CreateSubscriptionAsync(new CreateWebhookSubscriptionRequest { Url = receiverUrl + "/hook", EventTypes = { "mailbox.created" } });
        return await MeasureAsync(silo, received, events);
    }

    public static async Task<Result> RabbitMqAsync(int events, Uri broker)
    {
        var exchange = "bench.events." + Guid.NewGuid().ToString("N")[..8];
        var received = new Receipts();
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "*.mailbox.created");
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var body = JsonDocument.Parse(delivery.Body);
            received.Add(body.RootElement);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        try
        {
            await using var silo = await BenchSilo.StartAsync([
                "--Relays:Webhooks:Enabled", "false", "--Relays:RabbitMq:Uri", broker.ToString(), "--Relays:RabbitMq:Exchange", exchange]);
            return await MeasureAsync(silo, received, events);
        }
        finally
        {
            await channel.ExchangeDeleteAsync(exchange);
        }
    }

    private static async Task<Result> MeasureAsync(BenchSilo silo, Receipts received, int events)
    {
        // The relay starts at the end of the log once it is connected: produce until it delivers one event.
        for (var i = 0; received.Count == 0; i++)
        {
            await silo.Client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = $"warmup-{i}", DisplayName = "warm-up" });
            await received.WaitAsync(1, TimeSpan.FromMilliseconds(500));
        }

        received.Reset();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Producers).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < events)
            {
                await silo.Client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = $"bench-{n}", DisplayName = "bench" });
            }
        })));
        var produced = Stopwatch.GetElapsedTime(started);
        if (!await received.WaitAsync(events, TimeSpan.FromMinutes(5)))
        {
            throw new TimeoutException($"waited 5 minutes for {events} events; {received.Count} arrived");
        }

        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return received.Summarize(events, produced, cpuUsed);
    }

    private static string FreeUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    /// <summary>Event times and receipt times of the delivered events.</summary>
    private sealed class Receipts
    {
        private readonly ConcurrentQueue<(DateTimeOffset Event, DateTimeOffset Received)> _items = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count => _items.Count;

        public void Add(JsonElement body)
        {
            var now = DateTimeOffset.UtcNow;
            if (body.GetProperty("type").GetString() != "mailbox.created")
            {
                return;
            }

            _items.Enqueue((body.GetProperty("time").GetDateTimeOffset(), now));
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        public void Reset() => _items.Clear();

        public async Task<bool> WaitAsync(int count, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (_items.Count < count)
            {
                var left = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                try
                {
                    await Volatile.Read(ref _changed).Task.WaitAsync(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
                }
                catch (TimeoutException)
                {
                    // Look at the count again.
                }
            }

            return true;
        }

        public Result Summarize(int events, TimeSpan produced, TimeSpan cpu)
        {
            var items = _items.ToArray();
            var first = items.Min(i => i.Event);
            var last = items.Max(i => i.Received);
            var latencies = items.Select(i => (i.Received - i.Event).TotalMilliseconds).Order().ToArray();
            return new Result(items.Length, events / produced.TotalSeconds, items.Length / (last - first).TotalSeconds,
                latencies[latencies.Length / 2], latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * 0.99))], cpu.TotalSeconds);
        }
    }

    /// <summary>One relay run.</summary>
    public sealed record Result(int Events, double ProducedPerSecond, double DeliveredPerSecond, double P50Ms, double P99Ms, double CpuSeconds)
    {
        public string Format(string relay) =>
            $"{relay}: {Events} events, produced {ProducedPerSecond:N0}/s, delivered end to end {DeliveredPerSecond:N0} events/s, " +
            $"latency p50 {P50Ms:N1} ms p99 {P99Ms:N1} ms, process CPU {CpuSeconds:N2} s ({CpuSeconds * 1e6 / Events:N0} µs/event incl. producing)";
    }
}

/// <summary>An embedded silo with its data in a temporary directory and a client holding its bootstrap key.</summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private BenchSilo(WebApplication app, string directory, MailMeshClient client)
    {
        _app = app;
        _directory = directory;
        Client = client;
    }

    public MailMeshClient Client { get; }

    public static async Task<BenchSilo> StartAsync(string[] args)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-bench-relays-" + Guid.NewGuid().ToString("N"));
        var keyFile = Path.Combine(directory, "bootstrap.key");
        var grpc = FreeUrlFor();
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", FreeUrlFor(), "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", directory,
            "--Api:BootstrapKeyFile", keyFile, "--Logging:LogLevel:Default", "Warning", .. args]);
        await app.StartAsync();
        var key = (await File.ReadAllTextAsync(keyFile)).Trim();
        return new BenchSilo(app, directory, new MailMeshClient(new Uri(grpc), new GrpcChannelOptions { ApiKey = key }));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    private static string FreeUrlFor()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
