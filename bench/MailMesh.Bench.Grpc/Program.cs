// gRPC unary calls/s and p99 over loopback with 64 concurrent calls, against a plain Kestrel
// HTTP/2 endpoint echoing the same bytes in the same run, with two clients: MailMesh.Client
// (.NET) and @grpc/grpc-js (Node, from tests/node).
// Usage: [seconds per run] [concurrency] [--client dotnet|grpc-js|both]
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

var positional = new List<string>();
var clientMode = "both";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--client" && i + 1 < args.Length)
    {
        clientMode = args[++i];
    }
    else
    {
        positional.Add(args[i]);
    }
}

if (clientMode is not ("dotnet" or "grpc-js" or "both"))
{
    Console.Error.WriteLine($"--client is '{clientMode}'; use dotnet, grpc-js or both");
    return 2;
}

var seconds = positional.Count > 0 ? double.Parse(positional[0], CultureInfo.InvariantCulture) : 10;
var concurrency = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 64;
const int PayloadBytes = 100;
const string PlainPath = "/plain/echo";
const string PlainGrpcFramedPath = "/plain/grpc-echo";
const string GrpcPath = "/mailmesh.bench.v1.Bench/Echo";
var payload = new byte[PayloadBytes];
new Random(42).NextBytes(payload);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpcServer();
var app = builder.Build();
app.MapGrpcService(BenchReflection.Descriptor.Services[0], b => b.MapUnary<Blob, Blob>("Echo", (request, _) => Task.FromResult(request)));
app.MapPost(PlainPath, async context =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    context.Response.ContentType = "application/octet-stream";
    await context.Response.Body.WriteAsync(body.ToArray());
});

// The same echo, answered the way a gRPC client expects (content-type and a grpc-status trailer),
// so that grpc-js can call it: the request's bytes are already one length-prefixed message.
app.MapPost(PlainGrpcFramedPath, async context =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    context.Response.ContentType = "application/grpc";
    await context.Response.Body.WriteAsync(body.ToArray());
    context.Response.AppendTrailer("grpc-status", "0");
});
await app.StartAsync();
var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

Console.WriteLine($"loopback h2c, {concurrency} concurrent calls, {seconds} s per run, {PayloadBytes}-byte payload; " +
                  $"load average {File.ReadAllText("/proc/loadavg").Trim()}");
var exitCode = 0;
if (clientMode is "dotnet" or "both")
{
    await RunDotnetAsync();
}

if (clientMode is "grpc-js" or "both")
{
    exitCode = await RunGrpcJsAsync();
}

await app.StopAsync();
return exitCode;

async Task RunDotnetAsync()
{
    using var plainHttp = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }) { BaseAddress = address };
    var frame = new byte[5 + new Blob { Data = ByteString.CopyFrom(payload) }.CalculateSize()];
    using var channel = new GrpcChannel(address);
    var method = BenchReflection.Descriptor.Services[0].FindMethodByName("Echo");
    var blob = new Blob { Data = ByteString.CopyFrom(payload) };

    async Task PlainCall()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, PlainPath)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        using var response = await plainHttp.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
    }

    Task GrpcCall() => channel.UnaryAsync<Blob, Blob>(method, blob);

    Console.WriteLine("client: MailMesh.Client (.NET HttpClient; warm-up first, then halves in the order A B B A)");
    await Measure(PlainCall, Math.Min(2, seconds), []);
    await Measure(GrpcCall, Math.Min(2, seconds), []);
    List<double> plainLatencies = [], grpcLatencies = [];
    var plainSeconds = await Measure(PlainCall, seconds / 2, plainLatencies);
    var grpcSeconds = await Measure(GrpcCall, seconds / 2, grpcLatencies);
    grpcSeconds += await Measure(GrpcCall, seconds / 2, grpcLatencies);
    plainSeconds += await Measure(PlainCall, seconds / 2, plainLatencies);
    var plainRate = Report("plain HTTP/2 echo", plainLatencies, plainSeconds);
    var grpcRate = Report("MailMesh gRPC unary (MailMesh.Client)", grpcLatencies, grpcSeconds);
    Console.WriteLine($"ratio gRPC / plain: {grpcRate / plainRate:F2}x (target >= 0.70x)");
}

async Task<int> RunGrpcJsAsync()
{
    var root = GrpcJsClient.FindRepositoryRoot();
    var problem = root is null ? "MailMesh.sln not found above the program or the current directory" : GrpcJsClient.Problem(root);
    if (problem is not null)
    {
        Console.WriteLine($"client: @grpc/grpc-js skipped: {problem}");
        return clientMode == "grpc-js" ? 1 : 0;
    }

    Console.WriteLine("client: @grpc/grpc-js (Node, one channel per target, warm-up first)");
    var results = await GrpcJsClient.RunAsync(root!, address, seconds, concurrency, PayloadBytes, PlainGrpcFramedPath, GrpcPath);
    var plain = results.Single(r => r.Path == PlainGrpcFramedPath);
    var grpc = results.Single(r => r.Path == GrpcPath);
    Print("plain HTTP/2 echo (gRPC-framed)", plain.Rate, plain.P50, plain.P99);
    Print("MailMesh gRPC unary (grpc-js)", grpc.Rate, grpc.P50, grpc.P99);
    Console.WriteLine($"ratio gRPC / plain (grpc-js client): {grpc.Rate / plain.Rate:F2}x (target >= 0.70x)");
    return 0;
}

// Runs `call` from `concurrency` workers for `duration` seconds, adding each latency (ms); returns the elapsed seconds.
async Task<double> Measure(Func<Task> call, double duration, List<double> latencies)
{
    var stop = Stopwatch.StartNew();
    var perWorker = new List<double>[concurrency];
    var workers = Enumerable.Range(0, concurrency).Select(async i =>
    {
        var mine = perWorker[i] = new List<double>(100_000);
        while (stop.Elapsed.TotalSeconds < duration)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }).ToArray();
    await Task.WhenAll(workers);
    var elapsed = stop.Elapsed.TotalSeconds;
    latencies.AddRange(perWorker.SelectMany(l => l));
    return elapsed;
}

double Report(string name, List<double> latencies, double elapsed)
{
    var all = latencies.Order().ToArray();
    var rate = all.Length / elapsed;
    Print(name, rate, all[all.Length / 2], all[(int)(all.Length * 0.99)]);
    return rate;
}

static void Print(string name, double rate, double p50, double p99) =>
    Console.WriteLine($"{name,-40} {rate,10:F0} calls/s   p50 {p50,6:F2} ms   p99 {p99,6:F2} ms");
