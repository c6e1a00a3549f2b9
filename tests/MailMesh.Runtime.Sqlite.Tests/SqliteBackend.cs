using MailMesh.Runtime.Storage;
using MailMesh.Runtime.Storage.Contracts;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>The SQLite backend of the contract tests: a store over a file in a temporary directory. The poll
/// interval is long, so a wait that wakes within the test's patience was woken by the in-process signal.</summary>
public sealed class SqliteBackend : StorageBackend
{
    private readonly TempDirectory _directory;
    private readonly SqliteStore _store;
    private bool _handedOver;

    private SqliteBackend(TempDirectory directory, SqliteStore store)
    {
        _directory = directory;
        _store = store;
        GrainStorage = new SqliteGrainStorage(store);
        EventLog = new SqliteEventLog(store);
        Reminders = new SqliteReminderTable(store);
    }

    public override IGrainStorage GrainStorage { get; }

    public override IEventLog EventLog { get; }

    public override IReminderTable Reminders { get; }

    public SqliteStore Store => _store;

    public static SqliteStorageOptions Options(string path) => new()
    {
        DatabasePath = path,
        EventPollInterval = TimeSpan.FromMinutes(10),
    };

    public static async Task<StorageBackend> CreateAsync()
    {
        var directory = new TempDirectory();
        var store = await SqliteStore.OpenAsync(Options(directory.File("mailmesh.db")));
        return new SqliteBackend(directory, store);
    }

    public override async Task<StorageBackend> ReopenAsync()
    {
        await _store.DisposeAsync();
        _handedOver = true;
        var store = await SqliteStore.OpenAsync(Options(_store.DatabasePath));
        return new SqliteBackend(_directory, store);
    }

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        if (!_handedOver)
        {
            _directory.Dispose();
        }
    }
}

public sealed class SqliteGrainStorageContractTests : GrainStorageContractTests
{
    protected override Task<StorageBackend> CreateBackendAsync() => SqliteBackend.CreateAsync();
}

public sealed class SqliteEventLogContractTests : EventLogContractTests
{
    protected override Task<StorageBackend> CreateBackendAsync() => SqliteBackend.CreateAsync();
}

public sealed class SqliteReminderTableContractTests : ReminderTableContractTests
{
    protected override Task<StorageBackend> CreateBackendAsync() => SqliteBackend.CreateAsync();
}
