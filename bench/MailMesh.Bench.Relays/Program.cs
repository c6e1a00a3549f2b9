using System.Globalization;
using MailMesh.Bench.Relays;

// Event relays and tracing overhead.
// Usage: dotnet bench/MailMesh.Bench.Relays/bin/Release/net10.0/MailMesh.Bench.Relays.dll [--events N] [--seconds S]
//        [--rabbitmq amqp://mailtest:mailtest@127.0.0.1:25672/mailmesh] [--skip-relays] [--skip-tracing]
// Webhooks and RabbitMQ: N events (mailbox.created, written through the gRPC API by 32 concurrent callers) go from the
// event log of an embedded silo to a loopback receiver / a queue bound to the exchange; events/s counts from the
// first event's time to the last receipt, latency is receipt time minus the event's time. Tracing: in-process grain
// calls/s with no listener, with the OpenTelemetry SDK sampling every span into a batch exporter, and with 10 %
// sampling; CPU time of the process per call is printed beside wall time.
var events = Arg("--events", 2000);
var seconds = Arg2("--seconds", 5.0);
var rabbit = Value("--rabbitmq") ?? Environment.GetEnvironmentVariable("MAILMESH_TEST_RABBITMQ_URI") ?? "amqp://mailtest:mailtest@127.0.0.1:25672/mailmesh";
Console.WriteLine($"MailMesh relay/telemetry benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load {Load()}");

if (!args.Contains("--skip-relays"))
{
    var webhook = await RelayBench.WebhookAsync(events);
    Console.WriteLine(webhook.Format("webhook"));
    var rabbitResult = await RelayBench.RabbitMqAsync(events, new Uri(rabbit));
    Console.WriteLine(rabbitResult.Format("rabbitmq"));
}

if (!args.Contains("--skip-tracing"))
{
    await TracingBench.RunAsync(TimeSpan.FromSeconds(seconds));
}

Console.WriteLine($"load at end {Load()}");
return;

int Arg(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

double Arg2(string name, double fallback) => Value(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? Value(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
