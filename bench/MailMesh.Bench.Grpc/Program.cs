// gRPC unary calls/s and p99 over loopback with 64 concurrent calls, against a plain Kestrel
// HTTP/2 endpoint echoing the same bytes in the same run. Usage: [seconds per run] [concurrency]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using MailMesh.Bench.Grpc;
using MailMesh.Client;
using MailMesh.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
var payload = new byte[100];
new Random(42).NextBytes(payload);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpcServer();
var app = builder.Build();
app.MapGrpcService(BenchReflection.Descriptor.Services[0], b => b.MapUnary<Blob, Blob>("Echo", (request, _) => Task.FromResult(request)));
app.MapPost("/plain/echo", async context =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    context.Response.ContentType = "application/octet-stream";
    await context.Response.Body.WriteAsync(body.ToArray());
});
await app.StartAsync();
var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

using var plainHttp = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }) { BaseAddress = address };
var frame = new byte[5 + new Blob { Data = ByteString.CopyFrom(payload) }.CalculateSize()];
using var channel = new GrpcChannel(address);
var method = BenchReflection.Descriptor.Services[0].FindMethodByName("Echo");
var blob = new Blob { Data = ByteString.CopyFrom(payload) };

async Task PlainCall()
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/plain/echo")
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Content = new ByteArrayContent(frame),
    };
    using var response = await plainHttp.SendAsync(request);
    await response.Content.ReadAsByteArrayAsync();
}

Task GrpcCall() => channel.UnaryAsync<Blob, Blob>(method, blob);

Console.WriteLine($"loopback h2c, {concurrency} concurrent calls, {seconds} s per run, 100-byte payload");
await Run("warm-up plain", PlainCall, Math.Min(2, seconds));
await Run("warm-up gRPC", GrpcCall, Math.Min(2, seconds));
var plain = await Run("plain HTTP/2 echo", PlainCall, seconds);
var grpc = await Run("MailMesh gRPC unary (MailMesh.Client)", GrpcCall, seconds);
Console.WriteLine($"ratio gRPC / plain: {grpc.Rate / plain.Rate:F2}x (target >= 0.70x)");
await app.StopAsync();

async Task<(double Rate, double P99)> Run(string name, Func<Task> call, double duration)
{
    var stop = Stopwatch.StartNew();
    var latencies = new List<double>[concurrency];
    var workers = Enumerable.Range(0, concurrency).Select(async i =>
    {
        var mine = latencies[i] = new List<double>(100_000);
        while (stop.Elapsed.TotalSeconds < duration)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }).ToArray();
    await Task.WhenAll(workers);
    var all = latencies.SelectMany(l => l).Order().ToArray();
    var rate = all.Length / stop.Elapsed.TotalSeconds;
    var p50 = all[all.Length / 2];
    var p99 = all[(int)(all.Length * 0.99)];
    Console.WriteLine($"{name,-40} {rate,10:F0} calls/s   p50 {p50,6:F2} ms   p99 {p99,6:F2} ms");
    return (rate, p99);
}
