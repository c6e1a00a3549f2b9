using System.Globalization;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>Silo processes on one fresh PostgreSQL schema and RabbitMQ queue prefix, and a <see cref="ClusterClient"/>
/// in the test process. A short death timeout (3 s) keeps failure detection quick. Everything it created is removed on
/// dispose (the processes are killed by their ids).</summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const int Shards = 16;
    public static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly SiloProcesses _silos = new(Shards);
    private readonly string _postgres;
    private readonly Uri _rabbitMq;
    private ClusterClient? _client;

    /// <param name="postgres">The connection string the silos use (the test's PostgreSQL by default; a proxy's to cut it).</param>
    /// <param name="rabbitMq">The broker the silos and the client use (the test's RabbitMQ by default).</param>
    public ProcessCluster(string? postgres = null, Uri? rabbitMq = null)
    {
        TestServers.Require(Server.Postgres);
        TestServers.Require(Server.RabbitMq);
        _postgres = postgres ?? TestServers.PostgresConnectionString;
        _rabbitMq = rabbitMq ?? TestServers.RabbitMqUri;
    }

    /// <summary>The broker address the test's own client uses (the silos may reach it through a proxy).</summary>
    public Uri ClientRabbitMq { get; init; } = TestServers.RabbitMqUri;

    public string Schema { get; } = "p_" + Guid.NewGuid().ToString("N")[..20];

    public string QueuePrefix { get; } = "p" + Guid.NewGuid().ToString("N")[..12];

    public IReadOnlyList<SiloProcess> Silos => _silos.All;

    public ClusterClient Client => _client ?? throw new InvalidOperationException("Start the client first (StartClientAsync).");

    public async Task<SiloProcess> StartSiloAsync(string id)
    {
        var silo = await SiloProcess.StartAsync(id, new Dictionary<string, string>
        {
            ["CHAOS_POSTGRES"] = _postgres,
            ["CHAOS_SCHEMA"] = Schema,
            ["CHAOS_RABBITMQ"] = _rabbitMq.ToString(),
            ["CHAOS_QUEUE_PREFIX"] = QueuePrefix,
            ["CHAOS_SHARDS"] = Shards.ToString(CultureInfo.InvariantCulture),
            ["CHAOS_DEATH_TIMEOUT_MS"] = ((int)DeathTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        }, StartPatience);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Starts silos <paramref name="ids"/> at once.</summary>
    public async Task<SiloProcess[]> StartSilosAsync(params string[] ids) => await Task.WhenAll(ids.Select(StartSiloAsync));

    public async Task<ClusterClient> StartClientAsync(TimeSpan? callTimeout = null)
    {
        _client = await ClusterClient.StartAsync(ClientRabbitMq, QueuePrefix, Shards, callTimeout ?? TimeSpan.FromSeconds(45));
        return _client;
    }

    /// <summary>Waits until the running <paramref name="silos"/> work from one shard map
    /// (<see cref="SiloProcesses.WaitForStableShardMapAsync"/>); returns its version.</summary>
    public async Task<long> WaitForStableShardMapAsync(IReadOnlyCollection<string> silos)
    {
        var maps = await _silos.WaitForStableShardMapAsync(silos, Patience);
        return maps.Values.First().Version;
    }

    /// <summary>Waits for a stable shard map over <paramref name="silos"/> (<see cref="WaitForStableShardMapAsync"/>),
    /// then calls <see cref="IChaosCounterGrain.WhereAmI"/> on every key until the answers name exactly
    /// <paramref name="silos"/>; returns each key's silo.</summary>
    public async Task<Dictionary<string, string>> WaitForSpreadAsync(IReadOnlyList<string> keys, IReadOnlyCollection<string> silos)
    {
        await WaitForStableShardMapAsync(silos);
        var deadline = DateTime.UtcNow + Patience;
        Dictionary<string, string> where;
        do
        {
            where = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                where[key] = await Client.Grains.GetGrain<IChaosCounterGrain>(key).WhereAmI();
            }

            if (where.Values.ToHashSet().SetEquals(silos))
            {
                return where;
            }
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Waited {Patience.TotalSeconds} s for the counters to spread over {string.Join(", ", silos)}; " +
            $"they answer from {string.Join(", ", where.Values.Distinct())}.\n{Diagnostics()}");
    }

    /// <summary>Every counter equals its successful calls plus its "already applied" answers, the values each
    /// answered are distinct, and the event log holds each value 1..n of each counter exactly once. With
    /// <paramref name="allowUnacknowledged"/>, a counter may also hold calls whose caller saw an error (a call whose
    /// answer was lost may have committed), but no more than those.</summary>
    public async Task AssertExactAsync(CounterLoad load, bool allowUnacknowledged = false)
    {
        var events = await ReadAddedEventsAsync();
        var problems = new List<string>();
        foreach (var (key, outcome) in load.Outcomes)
        {
            var value = await Client.Grains.GetGrain<IChaosCounterGrain>(key).Get();
            var values = outcome.Values;
            var acknowledged = values.Count + outcome.AlreadyApplied;
            if (allowUnacknowledged ? value < acknowledged || value > acknowledged + outcome.Failed : value != acknowledged)
            {
                problems.Add($"{key}: counter {value}, but {values.Count} calls succeeded, {outcome.AlreadyApplied} were already applied and {outcome.Failed} failed");
            }

            if (values.Distinct().Count() != values.Count)
            {
                problems.Add($"{key}: a value was answered twice ({string.Join(",", values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key))})");
            }

            var logged = events.TryGetValue(key, out var list) ? list : [];
            if (!logged.Order().SequenceEqual(Enumerable.Range(1, (int)value).Select(v => (long)v)))
            {
                problems.Add($"{key}: counter {value} but the event log holds {logged.Count} counter.added events ({string.Join(",", logged.Order().Take(40))})");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)) + "\n" + Diagnostics());
    }

    public async Task<Dictionary<string, List<long>>> ReadAddedEventsAsync()
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT subject, (payload->>'value')::bigint FROM \"{Schema}\".event_log WHERE type = @type", connection);
        command.Parameters.AddWithValue("type", ChaosCounterGrain.AddedEvent);
        var result = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var subject = reader.GetString(0);
            if (!result.TryGetValue(subject, out var list))
            {
                result[subject] = list = [];
            }

            list.Add(reader.GetInt64(1));
        }

        return result;
    }

    /// <summary>The silos' output, for failure messages.</summary>
    public string Diagnostics() => _silos.Diagnostics();

    public async ValueTask DisposeAsync()
    {
        await _silos.DisposeAsync();
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        await ClusterLeftovers.DropSchemaAsync(Schema);
        try
        {
            await ClusterLeftovers.DeleteQueuesAsync(ClientRabbitMq, QueuePrefix, Shards);
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException)
        {
            // A private broker that the test already stopped took its queues with it.
        }
    }
}
