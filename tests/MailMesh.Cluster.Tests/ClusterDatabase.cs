using MailMesh.Runtime.PostgreSql;
using MailMesh.Testing;

namespace MailMesh.Cluster.Tests;

/// <summary>A fresh schema on the test PostgreSQL for one test's cluster; every silo opens its own store over it (its
/// own connection pool), all on one clock. Dropped on dispose.</summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<PostgreSqlStore> _stores = [];

    public ClusterDatabase(TimeProvider clock, TimeSpan? deathTimeout = null)
    {
        TestServers.Require(Server.Postgres);
        Clock = clock;
        DeathTimeout = deathTimeout ?? TimeSpan.FromSeconds(10);
    }

    public string Schema { get; } = "c_" + Guid.NewGuid().ToString("N")[..20];

    public TimeProvider Clock { get; }

    public TimeSpan DeathTimeout { get; }

    public PostgreSqlStorageOptions Options() => new()
    {
        ConnectionString = TestServers.PostgresConnectionString,
        Schema = Schema,
        MemberDeathTimeout = DeathTimeout,
        EventPollInterval = TimeSpan.FromMinutes(10),
    };

    /// <summary>A store for one more silo.</summary>
    public async Task<PostgreSqlStore> OpenStoreAsync()
    {
        var store = await PostgreSqlStore.OpenAsync(Options(), timeProvider: Clock);
        _stores.Add(store);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await ClusterLeftovers.DropSchemaAsync(Schema);
    }

    /// <summary>Awaits <paramref name="task"/>, failing with what it waited for after <see cref="Patience"/>.</summary>
    public static async Task<T> Within<T>(Task<T> task, string waitingFor)
    {
        try
        {
            return await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
        }
    }

    public static async Task Within(Task task, string waitingFor)
    {
        try
        {
            await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
        }
    }
}
