using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Runtime.Sqlite;

/// <summary>One SQLite database file shared by <see cref="SqliteGrainStorage"/>, <see cref="SqliteEventLog"/> and
/// <see cref="SqliteReminderTable"/>: a single writer connection behind a lock, a pool of reader connections,
/// WAL mode, and the schema migrations, applied on first use (or by <see cref="InitializeAsync"/>).</summary>
/// <remarks>Thread-safe. Several stores (in this or other processes) may open the same file; SQLite's locks
/// serialize their writes and the event sequence stays gapless.</remarks>
public sealed partial class SqliteStore : IAsyncDisposable, IDisposable
{
    private readonly SqliteStorageOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private readonly ReaderPool _readers;
    private WriterConnection? _writer;
    private volatile bool _initialized;
    private volatile bool _disposed;
    private int _schemaVersion;

    /// <summary>Creates the store; nothing is opened until <see cref="InitializeAsync"/> or the first operation.</summary>
    /// <param name="options">Settings; <see cref="SqliteStorageOptions.DatabasePath"/> is required.</param>
    /// <param name="logger">Where to log (optional).</param>
    /// <param name="timeProvider">Clock for timestamps and the event poll (optional; the system clock).</param>
    /// <exception cref="ArgumentException">The options are invalid; the message says which and how to fix it.</exception>
    public SqliteStore(SqliteStorageOptions options, ILogger<SqliteStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = SqliteStorageOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, failures), nameof(options));
        }

        _options = new SqliteStorageOptions
        {
            DatabasePath = options.DatabasePath,
            BusyTimeout = options.BusyTimeout,
            EventPollInterval = options.EventPollInterval,
            MaxReadConnections = options.MaxReadConnections,
            MaxDatabaseSizeBytes = options.MaxDatabaseSizeBytes,
            FlushEveryCommit = options.FlushEveryCommit,
        };
        DatabasePath = Path.GetFullPath(options.DatabasePath!);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _readers = new ReaderPool(DatabasePath, _options);
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The schema version of the file (0 until initialized).</summary>
    public int SchemaVersion => Volatile.Read(ref _schemaVersion);

    /// <summary>The newest schema version this code can use.</summary>
    public static int LatestSchemaVersion => Schema.LatestVersion;

    internal SqliteStorageOptions Options => _options;

    internal TimeProvider TimeProvider => _timeProvider;

    /// <summary>Creates a store and initializes it (opens the file and applies migrations).</summary>
    /// <exception cref="StorageException">The file cannot be opened or migrated; the message names it.</exception>
    public static async Task<SqliteStore> OpenAsync(SqliteStorageOptions options, ILogger<SqliteStore>? logger = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var store = new SqliteStore(options, logger, timeProvider);
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

    /// <summary>Opens the file (creating it and its directory when missing), switches it to WAL mode and applies
    /// pending schema migrations. Idempotent and thread-safe; every operation calls it first, so calling it is
    /// only needed to fail fast at start-up. A failed attempt is retried by the next call.</summary>
    /// <exception cref="StorageException">The file cannot be opened, is not a database, or has a newer schema.</exception>
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
            EnsureDirectory();
            try
            {
                var writer = OpenWriterConnection();
                var version = SchemaMigrator.Migrate(writer, DatabasePath, _timeProvider, _logger);
                Volatile.Write(ref _schemaVersion, version);
                var last = Convert.ToInt64(Connections.Scalar(writer.Connection, Sql.SelectLastSequence), System.Globalization.CultureInfo.InvariantCulture);
                PublishSequence(last);
            }
            catch (SqliteException e)
            {
                CloseWriter();
                throw Fail(e, "opening the database and applying schema migrations");
            }
            catch
            {
                CloseWriter();
                throw;
            }

            // From here on only the writer loop touches the writer connection.
            _writerLoop = Task.Run(RunWriterLoopAsync, CancellationToken.None);
            _initialized = true;
            Log.StoreOpened(_logger, DatabasePath, _schemaVersion);
        }
        finally
        {
            _initLock.Release();
        }
    }

    private void EnsureDirectory()
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(
                $"Cannot create the directory '{directory}' of the SQLite database '{DatabasePath}': {e.Message} " +
                "Create it, make it writable, or set MAILMESH__STORAGE__SQLITE__DATABASEPATH to a writable location.",
                isTransient: false,
                e);
        }
    }

    /// <summary>Closes every connection. Writes already queued are committed first; later ones throw
    /// <see cref="ObjectDisposedException"/>. The file stays consistent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _initLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _writes.Writer.TryComplete();
            if (_writerLoop is not null)
            {
                await _writerLoop.ConfigureAwait(false);
            }

            CloseWriter();
            _readers.Dispose();
        }
        finally
        {
            _initLock.Release();
        }

        // Wake readers waiting for events so they observe the disposal instead of waiting for the poll.
        Interlocked.Exchange(ref _eventsSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        if (_initialized)
        {
            Log.StoreClosed(_logger, DatabasePath);
        }
    }

    /// <summary>Closes every connection (see <see cref="DisposeAsync"/>).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
