using System.Diagnostics;
using System.Globalization;
using MailMesh.Bench.Cluster;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq;
using Npgsql;
using RabbitMQ.Client;

// Cross-silo grain calls over the RabbitMQ fabric with 1, 2 and 3 silos in this process (all sharing this
// machine's cores with PostgreSQL and RabbitMQ), against the same grain workload in an embedded silo; then the time
// from a silo's crash until calls to its grains are answered again.
// Usage: dotnet run -c Release --project bench/MailMesh.Bench.Cluster -- [seconds per scenario] [callers] [shards]
// Servers: MAILMESH_TEST_POSTGRES and MAILMESH_TEST_RABBITMQ (scripts/test-servers.sh up postgres rabbitmq; env).
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var callers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
// Calls coalesce per shard queue, so the calls in flight per (calling silo, shard) decide the batch size.
var shards = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 256;
var postgres = Environment.GetEnvironmentVariable("MAILMESH_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=25432;Database=maildb;Username=mailtest;Password=mailtest";
var rabbit = Environment.GetEnvironmentVariable("MAILMESH_TEST_RABBITMQ") ?? "amqp://mailtest:mailtest@127.0.0.1:25672/mailmesh";
const int Grains = 1000;
var grainType = typeof(IPingGrain).FullName!;

Console.WriteLine($"MailMesh cluster benchmark: {Environment.ProcessorCount} cores, {seconds} s per scenario, {callers} callers, {Grains} grains, {shards} shards");
Console.WriteLine();
Console.WriteLine("| scenario | calls/s | p50 ms | p99 ms | vs embedded | CPU µs/call: silos | RabbitMQ (beam.smp) | PostgreSQL | calls / answers per message | forwarded |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

double embeddedRate;
await using (var embedded = await BenchSilo.StartEmbeddedAsync())
{
    var result = await RunAsync([embedded], (_, i) => $"acme/g{i % Grains}");
    embeddedRate = result.Rate;
    Print("embedded (reference)", result, embeddedRate);
    await embedded.LeaveAsync();
}

TimeSpan? recovery = null;
for (var count = 1; count <= 3; count++)
{
    var settings = new BenchSettings(postgres, rabbit, "bench_" + Guid.NewGuid().ToString("N")[..12], "bench" + Guid.NewGuid().ToString("N")[..10], shards);
    var silos = new List<BenchSilo>();
    try
    {
        for (var i = 1; i <= count; i++)
        {
            silos.Add(await BenchSilo.StartClusterAsync($"silo-{i}", settings));
        }

        foreach (var silo in silos)
        {
            await silo.Membership!.RefreshAsync();
        }

        foreach (var silo in silos)
        {
            await silo.Fabric!.RebalanceAsync();
        }

        var owners = GrainShards.Assign(silos.Select(s => s.Id).ToArray(), settings.Shards);
        string Owner(string key) => owners[GrainShards.ShardOf(new GrainId(grainType, key), settings.Shards)]!;
        var keys = Enumerable.Range(0, Grains * 4).Select(i => $"acme/g{i}").ToArray();
        // Every caller calls grains owned by another silo (with one silo: its own grains, after the warm-up all local).
        var targets = silos.ToDictionary(s => s.Id, s => keys.Where(k => count == 1 || Owner(k) != s.Id).Take(Grains).ToArray());
        await RunAsync(silos, (silo, i) => targets[silo.Id][i % Grains], warmUpOnly: true);
        var result = await RunAsync(silos, (silo, i) => targets[silo.Id][i % Grains]);
        Print(count == 1 ? "cluster, 1 silo (local fast path)" : $"cluster, {count} silos, cross-silo only", result, embeddedRate);

        if (count == 3)
        {
            recovery = await MeasureRecoveryAsync(silos, Owner, keys);
        }
    }
    finally
    {
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }

        await CleanUpAsync(settings);
    }
}

Console.WriteLine();
Console.WriteLine(recovery is { } r
    ? $"recovery after a crash (3 silos, death timeout 10 s, refresh 1 s): {r.TotalSeconds:0.0} s from the crash until every grain of the dead silo answered again"
    : "recovery: not measured");

async Task<Result> RunAsync(IReadOnlyList<BenchSilo> silos, Func<BenchSilo, int, string> key, bool warmUpOnly = false)
{
    var sentBefore = Sent(silos);
    var cpu = new CpuMeter();
    var duration = TimeSpan.FromSeconds(warmUpOnly ? Math.Min(2, seconds) : seconds);
    var latencies = new List<double>[callers];
    var stop = Stopwatch.StartNew();
    var tasks = Enumerable.Range(0, callers).Select(async c =>
    {
        var silo = silos[c % silos.Count];
        var mine = latencies[c] = new List<double>(1 << 16);
        var i = c * 7919;
        while (stop.Elapsed < duration)
        {
            var started = Stopwatch.GetTimestamp();
            await silo.Grains.GetGrain<IPingGrain>(key(silo, i++)).Ping(i);
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }).ToArray();
    await Task.WhenAll(tasks);
    var all = latencies.SelectMany(l => l).Order().ToArray();
    var (silosCpu, brokerCpu, databaseCpu) = cpu.Elapsed();
    var sent = Sent(silos) - sentBefore;
    double PerCall(double seconds) => seconds * 1e6 / all.Length;
    return new Result(all.Length / stop.Elapsed.TotalSeconds, all[all.Length / 2], all[(int)(all.Length * 0.99)],
        PerCall(silosCpu), PerCall(brokerCpu), PerCall(databaseCpu), sent);
}

static Sent Sent(IReadOnlyList<BenchSilo> silos) => silos.Select(s => s.Fabric?.Statistics).Aggregate(new Sent(0, 0, 0, 0, 0),
    (sum, s) => s is null ? sum : sum + new Sent(s.CallsSent, s.CallMessagesSent, s.RepliesSent, s.ReplyMessagesSent, s.CallsForwarded));

async Task<TimeSpan> MeasureRecoveryAsync(List<BenchSilo> silos, Func<string, string> owner, string[] keys)
{
    // The survivors must have reached the table for the grace period before they declare deaths.
    await Task.Delay(TimeSpan.FromSeconds(11));
    var victim = silos[^1];
    var orphaned = keys.Where(k => owner(k) == victim.Id).Take(200).ToArray();
    var caller = silos[0];
    await Task.WhenAll(orphaned.Select(k => caller.Grains.GetGrain<IPingGrain>(k).Ping(1)));
    var crash = Stopwatch.StartNew();
    await victim.CrashAsync();
    await Task.WhenAll(orphaned.Select(k => caller.Grains.GetGrain<IPingGrain>(k).Ping(1)));
    return crash.Elapsed;
}

void Print(string name, Result result, double reference) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {result.Rate:N0} | {result.P50:0.00} | {result.P99:0.00} | {result.Rate / reference:0.000}x | {result.SiloCpu:0.0} | {result.BrokerCpu:0.0} | {result.DatabaseCpu:0.0} | {result.Sent.CallsPerMessage:0.0} / {result.Sent.RepliesPerMessage:0.0} | {result.Sent.Forwarded} |"));

async Task CleanUpAsync(BenchSettings settings)
{
    await using (var connection = new NpgsqlConnection(settings.Postgres))
    {
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{settings.Schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    await using var broker = await new ConnectionFactory { Uri = new Uri(settings.RabbitMq) }.CreateConnectionAsync();
    await using var channel = await broker.CreateChannelAsync();
    for (var shard = 0; shard < settings.Shards; shard++)
    {
        await channel.QueueDeleteAsync(RabbitMqFabric.QueueName(settings.QueuePrefix, shard));
    }

    await channel.QueueDeleteAsync(settings.QueuePrefix + ".dead");
}

internal sealed record Result(double Rate, double P50, double P99, double SiloCpu, double BrokerCpu, double DatabaseCpu, Sent Sent);

/// <summary>Calls and answers the silos' fabrics sent, and in how many messages.</summary>
internal readonly record struct Sent(long Calls, long CallMessages, long Replies, long ReplyMessages, long Forwarded)
{
    public double CallsPerMessage => CallMessages == 0 ? 0 : (double)Calls / CallMessages;

    public double RepliesPerMessage => ReplyMessages == 0 ? 0 : (double)Replies / ReplyMessages;

    public static Sent operator +(Sent a, Sent b) => new(a.Calls + b.Calls, a.CallMessages + b.CallMessages, a.Replies + b.Replies, a.ReplyMessages + b.ReplyMessages, a.Forwarded + b.Forwarded);

    public static Sent operator -(Sent a, Sent b) => new(a.Calls - b.Calls, a.CallMessages - b.CallMessages, a.Replies - b.Replies, a.ReplyMessages - b.ReplyMessages, a.Forwarded - b.Forwarded);
}
