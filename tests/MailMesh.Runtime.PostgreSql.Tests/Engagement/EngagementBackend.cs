using MailMesh.Engagement.Bounces;
using MailMesh.Engagement.PostgreSql;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests.Engagement;

/// <summary>The engagement stores of one backend over one fresh database, as a silo has them; <see cref="OpenSecondAsync"/>
/// opens the same stores again over the same database, as a second silo would (its own connections).</summary>
public abstract class EngagementBackend : IAsyncDisposable
{
    public IHitStore Hits { get; protected init; } = null!;

    public IBounceStore Bounces { get; protected init; } = null!;

    public IReportNoticeStore Notices { get; protected init; } = null!;

    /// <summary>The event log the notice store follows.</summary>
    public IEventLog Events { get; protected init; } = null!;

    /// <summary>The grain storage whose writes append to <see cref="Events"/>.</summary>
    protected IGrainStorage GrainStorage { get; init; } = null!;

    /// <summary>Appends <paramref name="events"/> as a grain's write does.</summary>
    public Task AppendAsync(params EventDraft[] events) =>
        GrainStorage.WriteAsync("notices", GrainId.Create("T", "acme/" + Guid.NewGuid().ToString("N")), "{}"u8.ToArray(), null, events);

    /// <summary>The stores again over the same database, with connections of their own.</summary>
    public abstract Task<EngagementBackend> OpenSecondAsync();

    public async Task InitializeAsync()
    {
        await Hits.PrepareReportsAsync();
        await Notices.InitializeAsync();
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>The embedded silo's stores: SQLite files in a temporary directory, the event log in a SQLite store.</summary>
public sealed class SqliteEngagementBackend : EngagementBackend
{
    private readonly string _directory;
    private readonly SqliteStore _store;
    private readonly bool _owner;

    private SqliteEngagementBackend(string directory, SqliteStore store, bool owner)
    {
        _directory = directory;
        _store = store;
        _owner = owner;
        Events = new SqliteEventLog(store);
        GrainStorage = new SqliteGrainStorage(store);
        Hits = new HitStore(Path.Combine(directory, "engagement.db"));
        Bounces = new BounceStore(Path.Combine(directory, "bounces.db"));
        Notices = new ReportNoticeStore(Path.Combine(directory, "reports.db"), Events, batchSize: 2);
    }

    public static async Task<EngagementBackend> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("mailmesh-engagement-").FullName;
        var store = await SqliteStore.OpenAsync(new SqliteStorageOptions { DatabasePath = Path.Combine(directory, "mailmesh.db") });
        var backend = new SqliteEngagementBackend(directory, store, owner: true);
        await backend.InitializeAsync();
        return backend;
    }

    public override async Task<EngagementBackend> OpenSecondAsync()
    {
        var backend = new SqliteEngagementBackend(_directory, await SqliteStore.OpenAsync(new SqliteStorageOptions { DatabasePath = Path.Combine(_directory, "mailmesh.db") }), owner: false);
        await backend.InitializeAsync();
        return backend;
    }

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        if (_owner)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>The cluster's stores: one fresh schema on the test PostgreSQL, dropped by the backend that made it.</summary>
public sealed class PostgreSqlEngagementBackend : EngagementBackend
{
    private readonly PostgreSqlStore _store;
    private readonly bool _owner;

    private PostgreSqlEngagementBackend(PostgreSqlStore store, bool owner)
    {
        _store = store;
        _owner = owner;
        Events = new PostgreSqlEventLog(store);
        GrainStorage = new PostgreSqlGrainStorage(store);
        Hits = new PostgreSqlHitStore(store);
        Bounces = new PostgreSqlBounceStore(store);
        Notices = new PostgreSqlReportNoticeStore(store, Events, batchSize: 2);
    }

    public PostgreSqlStore Store => _store;

    /// <summary>Skips (or, with MAILMESH_TEST_SERVERS=required, fails) when the test PostgreSQL is not running.</summary>
    public static async Task<EngagementBackend> CreateAsync(PostgreSqlStorageOptions? options = null)
    {
        TestServers.Require(Server.Postgres);
        var backend = new PostgreSqlEngagementBackend(await PostgreSqlStore.OpenAsync(options ?? PostgreSqlBackend.Options(PostgreSqlBackend.NewSchema())), owner: true);
        await backend.InitializeAsync();
        return backend;
    }

    public override async Task<EngagementBackend> OpenSecondAsync()
    {
        var backend = new PostgreSqlEngagementBackend(await PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(_store.Schema)), owner: false);
        await backend.InitializeAsync();
        return backend;
    }

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        if (_owner)
        {
            await PostgreSqlBackend.DropSchemaAsync(_store.Schema);
        }
    }
}
