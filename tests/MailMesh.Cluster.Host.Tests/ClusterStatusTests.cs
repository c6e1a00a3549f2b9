using MailMesh.Api.V1;
using MailMesh.Cli;
using MailMesh.Client;
using MailMesh.Runtime.Cluster;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;

namespace MailMesh.Cluster.Host.Tests;

/// <summary>Silo hosts with <c>Cluster:Enabled=true</c> on one PostgreSQL schema: the membership they see through
/// <c>mailmesh.v1.Cluster</c> and <c>mailmesh cluster status</c>.</summary>
public sealed class ClusterStatusTests : IAsyncLifetime
{
    private readonly string _schema = "h_" + Guid.NewGuid().ToString("N")[..20];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mailmesh-cluster-host-" + Guid.NewGuid().ToString("N"));
    private readonly string _queuePrefix = "h" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<WebApplication> _silos = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        if (TestServers.IsReachable(Server.Postgres))
        {
            await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (TestServers.IsReachable(Server.RabbitMq))
        {
            await using var broker = await new ConnectionFactory { Uri = TestServers.RabbitMqUri }.CreateConnectionAsync();
            await using var channel = await broker.CreateChannelAsync();
            for (var shard = 0; shard < 256; shard++)
            {
                await channel.QueueDeleteAsync(MailMesh.Runtime.RabbitMq.RabbitMqFabric.QueueName(_queuePrefix, shard));
            }

            await channel.QueueDeleteAsync(_queuePrefix + ".dead");
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task ClusterStatus_TwoSilosThenOneLeaves_ShowsMembersShardOwnersAndTheLeave()
    {
        var (first, firstUrl) = await StartSiloAsync("silo-1");
        var (second, _) = await StartSiloAsync("silo-2");
        var key = (await File.ReadAllTextAsync(Path.Combine(_root, "silo-1", "admin.key"))).Trim();
        await first.Services.GetRequiredService<MembershipService>().RefreshAsync();
        using var client = new MailMeshClient(new Uri(firstUrl), new GrpcChannelOptions { ApiKey = key });

        var status = await client.Cluster().GetStatusAsync(new GetClusterStatusRequest { IncludeShards = true });
        var (code, output, error) = await RunCliAsync(firstUrl, key, "cluster", "status");

        Assert.Equal("cluster", status.Mode);
        Assert.Equal("silo-1", status.SiloId);
        Assert.Equal(["silo-1", "silo-2"], status.Members.Select(m => m.SiloId));
        Assert.All(status.Members, m => Assert.Equal(Api.V1.MemberStatus.Active, m.Status));
        Assert.Equal(256, status.Members.Sum(m => m.ShardCount));
        Assert.All(status.Members, m => Assert.InRange(m.ShardCount, 80, 176));
        Assert.Equal(Enumerable.Range(0, 256), status.Shards.Select(s => s.Shard));
        Assert.True(status.Members.Single(m => m.SiloId == "silo-1").IsSelf);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("2 active of 2 members", output, StringComparison.Ordinal);
        Assert.Contains("silo-1 (this)", output, StringComparison.Ordinal);

        await second.StopAsync();
        await first.Services.GetRequiredService<MembershipService>().RefreshAsync();
        var after = await client.Cluster().GetStatusAsync(new GetClusterStatusRequest());

        Assert.Equal(Api.V1.MemberStatus.Left, after.Members.Single(m => m.SiloId == "silo-2").Status);
        Assert.Equal(256, after.Members.Single(m => m.SiloId == "silo-1").ShardCount);
        Assert.Empty(after.Shards);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Api_TwoSilos_AMailboxCreatedThroughOneIsReadThroughTheOther()
    {
        var (first, firstUrl) = await StartSiloAsync("silo-1");
        var (second, secondUrl) = await StartSiloAsync("silo-2");
        await first.Services.GetRequiredService<MembershipService>().RefreshAsync();
        await first.Services.GetRequiredService<MailMesh.Runtime.RabbitMq.RabbitMqFabric>().RebalanceAsync();
        await second.Services.GetRequiredService<MailMesh.Runtime.RabbitMq.RabbitMqFabric>().RebalanceAsync();
        var key = (await File.ReadAllTextAsync(Path.Combine(_root, "silo-1", "admin.key"))).Trim();
        using var one = new MailMeshClient(new Uri(firstUrl), new GrpcChannelOptions { ApiKey = key });
        using var two = new MailMeshClient(new Uri(secondUrl), new GrpcChannelOptions { ApiKey = key });

        var names = Enumerable.Range(0, 6).Select(i => $"box{i}").ToArray();
        foreach (var name in names)
        {
            await one.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = name, DisplayName = name.ToUpperInvariant() });
        }

        foreach (var name in names)
        {
            var fetched = await two.Mailboxes.GetAsync(new GetMailboxRequest { Name = name });
            Assert.Equal(name.ToUpperInvariant(), fetched.DisplayName);
        }

        Assert.NotEmpty(first.Services.GetRequiredService<MailMesh.Runtime.RabbitMq.RabbitMqFabric>().ConsumedShards);
        Assert.NotEmpty(second.Services.GetRequiredService<MailMesh.Runtime.RabbitMq.RabbitMqFabric>().ConsumedShards);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Subscribe_FromAnOffsetOnEitherSilo_SeesEveryEventWrittenOnBothSilosInOrderOnce()
    {
        var (first, firstUrl) = await StartSiloAsync("silo-1");
        var (second, secondUrl) = await StartSiloAsync("silo-2");
        await first.Services.GetRequiredService<MembershipService>().RefreshAsync();
        var fabrics = new[] { first, second }.Select(s => s.Services.GetRequiredService<MailMesh.Runtime.RabbitMq.RabbitMqFabric>()).ToArray();
        foreach (var fabric in fabrics)
        {
            await fabric.RebalanceAsync();
        }

        var key = (await File.ReadAllTextAsync(Path.Combine(_root, "silo-1", "admin.key"))).Trim();
        using var one = new MailMeshClient(new Uri(firstUrl), new GrpcChannelOptions { ApiKey = key });
        using var two = new MailMeshClient(new Uri(secondUrl), new GrpcChannelOptions { ApiKey = key });
        await one.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "before", DisplayName = "Before" });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var offset = (await Take(one.Events.SubscribeAsync(new SubscribeRequest { FromSequence = 1, Type = "mailbox" }, cancellationToken: deadline.Token), _ => true, "the first mailbox event"))[^1].Sequence + 1;

        // Both subscriptions start before the events are written: stored events first, then live ones.
        var names = Enumerable.Range(0, 12).Select(i => $"box{i}").ToArray();
        bool AllCreated(IReadOnlyList<Event> seen) => seen.Count(e => e.Type == "mailbox.created") == names.Length;
        var onFirst = Take(one.Events.SubscribeAsync(new SubscribeRequest { FromSequence = offset }, cancellationToken: deadline.Token), AllCreated, "the events through silo-1");
        var onSecond = Take(two.Events.SubscribeAsync(new SubscribeRequest { FromSequence = offset }, cancellationToken: deadline.Token), AllCreated, "the events through silo-2");
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var client = i % 2 == 0 ? one : two;
            await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = name, DisplayName = name });
        }

        var seenOnFirst = await onFirst;
        var seenOnSecond = await onSecond;
        // Each mailbox grain runs on its shard's owner: the events were written by both silos.
        var writers = names.Select(n => fabrics.Single(f => f.OwnsShardOf(new MailMesh.Runtime.GrainId(typeof(MailMesh.Grains.Mailboxes.IMailboxGrain).FullName!, $"{Tenant(seenOnFirst)}/{n}")))).Distinct().Count();
        Assert.Equal(2, writers);
        foreach (var seen in new[] { seenOnFirst, seenOnSecond })
        {
            // One tenant in a fresh schema: the log's sequences are contiguous, so any gap or repeat would show.
            Assert.Equal(Enumerable.Range((int)offset, seen.Count).Select(s => (long)s), seen.Select(e => e.Sequence));
            Assert.Equal(names.Select(n => $"{Tenant(seenOnFirst)}/{n}").Order(StringComparer.Ordinal),
                seen.Where(e => e.Type == "mailbox.created").Select(e => e.Subject).Order(StringComparer.Ordinal));
        }

        Assert.Equal(seenOnFirst.Select(e => e.EventId), seenOnSecond.Select(e => e.EventId));
    }

    [Fact]
    public void Build_ClusterEnabledWithSqlite_FailsSayingToUsePostgreSql()
    {
        var error = Assert.Throws<OptionsValidationException>(() => SiloHost.Build([
            "--Silo:DataDirectory", Path.Combine(_root, "sqlite"), "--Cluster:Enabled", "true"]));

        Assert.Contains("MAILMESH__STORAGE__PROVIDER=PostgreSql", error.Message, StringComparison.Ordinal);
    }

    private async Task<(WebApplication App, string GrpcUrl)> StartSiloAsync(string siloId)
    {
        var grpcUrl = Loopback.FreeHttpUrl();
        var dataDirectory = Path.Combine(_root, siloId);
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", Loopback.FreeHttpUrl(), "--Kestrel:Endpoints:Grpc:Url", grpcUrl,
            "--Logging:LogLevel:Default", "Warning", "--Silo:DataDirectory", dataDirectory,
            "--Api:BootstrapKeyFile", Path.Combine(dataDirectory, "admin.key"),
            "--Storage:Provider", "PostgreSql",
            "--Storage:PostgreSql:ConnectionString", TestServers.PostgresConnectionString,
            "--Storage:PostgreSql:Schema", _schema,
            "--Cluster:RabbitMq:ConnectionString", TestServers.RabbitMqUri.ToString(), "--Cluster:RabbitMq:QueuePrefix", _queuePrefix,
            "--Cluster:Enabled", "true", "--Cluster:SiloId", siloId, "--Cluster:Address", new Uri(grpcUrl).Authority]);
        _silos.Add(app);
        await app.StartAsync();
        return (app, grpcUrl);
    }

    private static string Tenant(IReadOnlyList<Event> events) => events[0].Tenant;

    /// <summary>The events of a subscription until <paramref name="enough"/> holds (then it is cancelled).</summary>
    private static async Task<IReadOnlyList<Event>> Take(IAsyncEnumerable<Event> stream, Func<IReadOnlyList<Event>, bool> enough, string what)
    {
        var events = new List<Event>();
        try
        {
            await foreach (var item in stream)
            {
                events.Add(item);
                if (enough(events))
                {
                    return events;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException || e is MailMeshRpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded })
        {
            throw new TimeoutException($"Gave up waiting for {what}; got {events.Count} events: {string.Join(", ", events.Select(e => $"{e.Sequence} {e.Type} {e.Subject}"))}");
        }

        throw new InvalidOperationException($"The stream of {what} ended after {events.Count} events.");
    }

    private static async Task<(int Code, string Out, string Err)> RunCliAsync(string url, string key, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = url, ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }

}
