using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.SendLog.Internal;

/// <summary>The send log's own connection: it makes every write of this process and the reads of the sending path, one
/// at a time, and keeps its page cache and its compiled statements from one call to the next
/// (docs/adr/campaigns-10-send-log-connection.md). A connection of the driver's pool drops its whole page cache whenever
/// another connection has committed since its last read, and a command compiles its statement again each time.</summary>
internal sealed class SendLogConnection(string path) : IDisposable
{
    /// <summary>Page cache of the connection (KiB). It holds what the sending path touches again and again (the due
    /// index, the B-trees' inner pages, the pages of the batches in flight); the pages of the database file are read
    /// through the memory map. A larger cache costs at every commit, where SQLite scans the cache's hash table.</summary>
    public const int CacheKiB = 8_192;

    /// <summary>WAL size (4 KiB pages) at which a commit checkpoints: a page that many commits change in between (the
    /// due index, the B-trees' inner pages) is copied into the database once.</summary>
    public const int CheckpointPages = 8_192;

    /// <summary>WAL size the file is trimmed back to after a checkpoint.</summary>
    public const long WalLimitBytes = 32L * 1024 * 1024;

    /// <summary>How much of the database file the connection maps into memory for reading.</summary>
    public const long MapBytes = 1L << 30;

    /// <summary>How long a statement waits for a lock another connection holds on the file.</summary>
    public const int BusySeconds = 30;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SendLogStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SendLogQuery> _queries = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private bool _disposed;

    /// <summary>Runs <paramref name="work"/> alone on the connection, outside any transaction.</summary>
    public Task<T> ReadAsync<T>(Func<SendLogConnection, T> work, CancellationToken cancellationToken) =>
        RunAsync(work, transaction: false, cancellationToken);

    /// <summary>Runs <paramref name="work"/> alone on the connection in one transaction (<c>BEGIN IMMEDIATE</c>), committed
    /// with <c>synchronous = FULL</c> before this returns; rolled back when it throws.</summary>
    public Task<T> WriteAsync<T>(Func<SendLogConnection, T> work, CancellationToken cancellationToken) =>
        RunAsync(work, transaction: true, cancellationToken);

    /// <summary>The statement for <paramref name="sql"/>, compiled the first time it is asked for on this connection, with
    /// its parameters in the order given (checked against the SQL); their values are those of its last run until set
    /// again.</summary>
    public SendLogStatement Statement(string sql, params string[] parameterNames)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SendLogStatement(Open(), sql, parameterNames);
            _statements.Add(sql, statement);
        }

        return statement;
    }

    /// <summary>The query for <paramref name="sql"/>, compiled the first time it is asked for on this connection, as
    /// <see cref="Statement"/>, for statements that return rows.</summary>
    public SendLogQuery Query(string sql, params string[] parameterNames)
    {
        if (!_queries.TryGetValue(sql, out var query))
        {
            query = new SendLogQuery(Open(), sql, parameterNames);
            _queries.Add(sql, query);
        }

        return query;
    }

    /// <summary>Runs <paramref name="sql"/> once, not kept (schema changes, pragmas).</summary>
    public void Execute(string sql)
    {
        using var command = Open().CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Closes the connection once the call in progress, if any, has finished with it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _gate.Wait();
        try
        {
            _disposed = true;
            Close();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private async Task<T> RunAsync<T>(Func<SendLogConnection, T> work, bool transaction, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            if (!transaction)
            {
                return work(this);
            }

            Statement("BEGIN IMMEDIATE").Execute();
            try
            {
                var result = work(this);
                Statement("COMMIT").Execute();
                return result;
            }
            catch
            {
                RollBack();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteConnection Open()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            // Kept open for the log's lifetime; the driver's pool would also keep the file open after Dispose.
            Pooling = false,
            DefaultTimeout = BusySeconds,
        }.ToString());
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            // The statements run straight through SQLitePCL, without the driver's retries while the file is locked: SQLite
            // waits for the lock itself, as long as the driver would.
            pragmas.CommandText = $"PRAGMA busy_timeout = {BusySeconds * 1000}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -{CacheKiB}; " +
                $"PRAGMA mmap_size = {MapBytes}; PRAGMA wal_autocheckpoint = {CheckpointPages}; PRAGMA journal_size_limit = {WalLimitBytes};";
            pragmas.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _connection = connection;
        return connection;
    }

    private void RollBack()
    {
        if (_connection is null)
        {
            return;
        }

        try
        {
            // A failed statement may already have ended the transaction (SQLite rolls back on some errors itself).
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
            {
                Statement("ROLLBACK").Execute();
            }
        }
        catch (SqliteException)
        {
            // A connection that cannot even roll back is dropped (which rolls back); the next call opens a new one.
            Close();
        }
    }

    private void Close()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
        foreach (var query in _queries.Values)
        {
            query.Dispose();
        }

        _queries.Clear();
        _connection?.Dispose();
        _connection = null;
    }
}
