using MailMesh.Runtime.PostgreSql.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>One schema of a PostgreSQL database shared by <see cref="PostgreSqlGrainStorage"/>,
/// <see cref="PostgreSqlEventLog"/>, <see cref="PostgreSqlReminderTable"/> and <see cref="PostgreSqlMembershipTable"/>:
/// a pooled data source and the schema migrations, applied on first use (or by <see cref="InitializeAsync"/>) under
/// an advisory lock, so silos that start together apply each step once.</summary>
/// <remarks>Thread-safe. Any number of stores (in this or other processes) may share the schema; the event sequence
/// stays gapless and in commit order across all of them.</remarks>
public sealed partial class PostgreSqlStore : IAsyncDisposable
{
    private readonly PostgreSqlStorageOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;
    private volatile bool _disposed;
    private int _schemaVersion;

    /// <summary>Creates the store; nothing is opened until <see cref="InitializeAsync"/> or the first operation.</summary>
    /// <param name="options">Settings; <see cref="PostgreSqlStorageOptions.ConnectionString"/> is required.</param>
    /// <param name="logger">Where to log (optional).</param>
    /// <param name="timeProvider">Clock for membership times and the event poll (optional; the system clock).</param>
    /// <exception cref="ArgumentException">The options are invalid; the message says which and how to fix it.</exception>
    public PostgreSqlStore(PostgreSqlStorageOptions options, ILogger<PostgreSqlStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = PostgreSqlStorageOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, failures), nameof(options));
        }

        _options = new PostgreSqlStorageOptions
        {
            ConnectionString = options.ConnectionString,
            Schema = options.Schema,
            MigrationLockTimeout = options.MigrationLockTimeout,
            EventPollInterval = options.EventPollInterval,
            MemberDeathTimeout = options.MemberDeathTimeout,
            MessageDeduplicationWindow = options.MessageDeduplicationWindow,
        };
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        Server = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _dataSource = NpgsqlDataSource.Create(builder);
        Sql = new Sql(options.Schema);
    }

    /// <summary>Host, port and database, for messages (no credentials).</summary>
    public string Server { get; }

    /// <summary>The schema holding the tables.</summary>
    public string Schema => _options.Schema;

    /// <summary>The schema version in the database (0 until initialized).</summary>
    public int SchemaVersion => Volatile.Read(ref _schemaVersion);

    /// <summary>The newest schema version this code can use.</summary>
    public static int LatestSchemaVersion => Internal.Schema.LatestVersion;

    internal PostgreSqlStorageOptions Options => _options;

    internal TimeProvider TimeProvider => _timeProvider;

    internal Sql Sql { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Creates a store and initializes it (connects and applies migrations).</summary>
    /// <exception cref="StorageException">The server cannot be reached or the schema cannot be migrated.</exception>
    public static async Task<PostgreSqlStore> OpenAsync(PostgreSqlStorageOptions options, ILogger<PostgreSqlStore>? logger = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var store = new PostgreSqlStore(options, logger, timeProvider);
        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects and applies pending schema migrations (creating the schema when missing). Idempotent and
    /// thread-safe; every operation calls it first, so calling it is only needed to fail fast at start-up. A failed
    /// attempt is retried by the next call.</summary>
    /// <exception cref="StorageException">The server cannot be reached, refuses the login, or the schema is newer
    /// than this code; the message says which and what to do.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        _initialized ? Task.CompletedTask : InitializeSlowAsync(cancellationToken);

    private async Task InitializeSlowAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            int version;
            try
            {
                version = await SchemaMigrator.MigrateAsync(this, _logger, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw Fail(e, $"applying the schema migrations of schema '{Schema}'", outcomeUnknown: false);
            }

            Volatile.Write(ref _schemaVersion, version);
            _initialized = true;
            Log.StoreOpened(_logger, Server, Schema, version);
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>Stops the event listener and closes every connection. Operations after this throw
    /// <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopListenerAsync().ConfigureAwait(false);
        // Wake readers waiting for events so they observe the disposal instead of waiting for the poll.
        Interlocked.Exchange(ref _eventsSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        if (_initialized)
        {
            Log.StoreClosed(_logger, Server, Schema);
        }
    }
}
