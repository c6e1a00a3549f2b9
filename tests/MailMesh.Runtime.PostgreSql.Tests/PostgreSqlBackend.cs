using MailMesh.Runtime.Storage;
using MailMesh.Runtime.Storage.Contracts;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>The PostgreSQL backend of the contract tests: a store over a fresh schema on the test server, dropped on
/// dispose. The poll interval is long, so a wait that wakes within the test's patience was woken by the in-process
/// signal or a notification.</summary>
public sealed class PostgreSqlBackend : StorageBackend
{
    private readonly PostgreSqlStore _store;
    private bool _handedOver;

    private PostgreSqlBackend(PostgreSqlStore store)
    {
        _store = store;
        GrainStorage = new PostgreSqlGrainStorage(store);
        EventLog = new PostgreSqlEventLog(store);
        Reminders = new PostgreSqlReminderTable(store);
    }

    public override IGrainStorage GrainStorage { get; }

    public override IEventLog EventLog { get; }

    public override IReminderTable Reminders { get; }

    public PostgreSqlStore Store => _store;

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..20];

    public static PostgreSqlStorageOptions Options(string schema) => new()
    {
        ConnectionString = TestServers.PostgresConnectionString,
        Schema = schema,
        EventPollInterval = TimeSpan.FromMinutes(10),
    };

    /// <summary>Skips (or, with MAILMESH_TEST_SERVERS=required, fails) when the test PostgreSQL is not running.</summary>
    public static async Task<StorageBackend> CreateAsync()
    {
        TestServers.Require(Server.Postgres);
        return new PostgreSqlBackend(await PostgreSqlStore.OpenAsync(Options(NewSchema())));
    }

    public override async Task<StorageBackend> ReopenAsync()
    {
        await _store.DisposeAsync();
        _handedOver = true;
        return new PostgreSqlBackend(await PostgreSqlStore.OpenAsync(Options(_store.Schema)));
    }

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        if (!_handedOver)
        {
            await DropSchemaAsync(_store.Schema);
        }
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

public sealed class PostgreSqlGrainStorageContractTests : GrainStorageContractTests
{
    protected override Task<StorageBackend> CreateBackendAsync() => PostgreSqlBackend.CreateAsync();
}

public sealed class PostgreSqlEventLogContractTests : EventLogContractTests
{
    protected override Task<StorageBackend> CreateBackendAsync() => PostgreSqlBackend.CreateAsync();
}

public sealed class PostgreSqlReminderTableContractTests : ReminderTableContractTests
{
    protected override Task<StorageBackend> CreateBackendAsync() => PostgreSqlBackend.CreateAsync();
}
