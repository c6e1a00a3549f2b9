using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using MailMesh.Blobs.Azure;
using MailMesh.Client;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>Product silos (<see cref="HostProgram"/>) as processes on one fresh PostgreSQL schema, RabbitMQ queue
/// prefix and Azurite container, sharing the credential key and the bootstrap admin key as a deployment does. Failure
/// detection is as quick as in <see cref="ProcessCluster"/> (3 s death timeout). Everything it created is removed on
/// dispose (the processes are killed by their ids).</summary>
public sealed class HostCluster : IAsyncDisposable
{
    private readonly SiloProcesses _silos = new(ProcessCluster.Shards);
    private readonly ConcurrentDictionary<SiloProcess, string> _grpcUrls = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mailmesh-host-cluster-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _credentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <param name="settings">Further silo settings (<c>Section:Key</c> → value), e.g. the sync batch size.</param>
    public HostCluster(IReadOnlyDictionary<string, string>? settings = null)
    {
        TestServers.Require(Server.Postgres);
        TestServers.Require(Server.RabbitMq);
        TestServers.Require(Server.Azurite);
        _settings = settings ?? new Dictionary<string, string>();
        Blobs = new AzureBlobStore(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, new AzureBlobOptions
        {
            ServiceUri = TestServers.Azurite.BlobEndpoint, AccountName = TestServers.Azurite.AccountName,
            AccountKey = TestServers.Azurite.AccountKey, Container = Container,
        });
    }

    public string Schema { get; } = "m_" + Guid.NewGuid().ToString("N")[..20];

    public string QueuePrefix { get; } = "m" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The Azurite container of the silos' blobs.</summary>
    public string Container { get; } = "mm" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>The silos' blob store, read by the test.</summary>
    public AzureBlobStore Blobs { get; }

    public IReadOnlyList<SiloProcess> Silos => _silos.All;

    public async Task<SiloProcess> StartSiloAsync(string id)
    {
        if (_silos.All.Count == 0)
        {
            await Blobs.EnsureContainerAsync();
        }

        var grpcUrl = Loopback.FreeHttpUrl();
        var dataDirectory = Path.Combine(_root, id);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Kestrel:Endpoints:Http:Url"] = Loopback.FreeHttpUrl(),
            ["Kestrel:Endpoints:Grpc:Url"] = grpcUrl,
            ["Tracking:Listen"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Silo:DataDirectory"] = dataDirectory,
            ["Api:BootstrapKeyFile"] = Path.Combine(_root, "admin.key"),
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:PostgreSql:ConnectionString"] = TestServers.PostgresConnectionString,
            ["Storage:PostgreSql:Schema"] = Schema,
            ["Storage:PostgreSql:MemberDeathTimeout"] = "00:00:03",
            ["Blobs:Provider"] = "Azure",
            ["Blobs:Azure:ServiceUri"] = TestServers.Azurite.BlobEndpoint.ToString(),
            ["Blobs:Azure:AccountName"] = TestServers.Azurite.AccountName,
            ["Blobs:Azure:AccountKey"] = TestServers.Azurite.AccountKey,
            ["Blobs:Azure:Container"] = Container,
            ["Mailboxes:CredentialKey"] = _credentialKey,
            ["Cluster:Enabled"] = "true",
            ["Cluster:SiloId"] = id,
            ["Cluster:Address"] = new Uri(grpcUrl).Authority,
            ["Cluster:ShardCount"] = ProcessCluster.Shards.ToString(CultureInfo.InvariantCulture),
            ["Cluster:HeartbeatInterval"] = "00:00:00.5",
            ["Cluster:RefreshInterval"] = "00:00:00.5",
            ["Cluster:DeclareDeadGracePeriod"] = "00:00:02",
            ["Cluster:RabbitMq:ConnectionString"] = TestServers.RabbitMqUri.ToString(),
            ["Cluster:RabbitMq:QueuePrefix"] = QueuePrefix,
            ["Cluster:RabbitMq:Heartbeat"] = "00:00:02",
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        var silo = await SiloProcess.StartAsync(id, new Dictionary<string, string>(), ProcessCluster.StartPatience,
            ["host", .. settings.SelectMany(s => new[] { "--" + s.Key, s.Value })]);
        _grpcUrls[silo] = grpcUrl;
        _silos.Add(silo);
        return silo;
    }

    /// <summary>A client of <paramref name="silo"/>'s API with the bootstrap admin key.</summary>
    public async Task<MailMeshClient> ClientOfAsync(SiloProcess silo)
    {
        var key = (await File.ReadAllTextAsync(Path.Combine(_root, "admin.key"))).Trim();
        return new MailMeshClient(new Uri(_grpcUrls[silo]), new GrpcChannelOptions { ApiKey = key });
    }

    /// <summary>Waits until the running <paramref name="silos"/> work from one shard map
    /// (<see cref="SiloProcesses.WaitForStableShardMapAsync"/>); returns each silo's map.</summary>
    public Task<IReadOnlyDictionary<string, ShardMapReport>> WaitForStableShardMapAsync(IReadOnlyCollection<string> silos, TimeSpan patience) =>
        _silos.WaitForStableShardMapAsync(silos, patience);

    public NpgsqlConnection OpenDatabase()
    {
        var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>The silos' output, for failure messages.</summary>
    public string Diagnostics() => _silos.Diagnostics();

    public async ValueTask DisposeAsync()
    {
        await _silos.DisposeAsync();
        await ClusterLeftovers.DropSchemaAsync(Schema);
        await ClusterLeftovers.DeleteQueuesAsync(TestServers.RabbitMqUri, QueuePrefix, ProcessCluster.Shards);

        // The store has no container delete: its blobs go one by one (Azurite keeps the empty container).
        await foreach (var blob in Blobs.ListAsync(""))
        {
            await Blobs.DeleteAsync(blob.Name);
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
