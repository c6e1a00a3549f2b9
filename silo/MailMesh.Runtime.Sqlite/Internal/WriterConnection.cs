using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>The single connection that writes (SQLite allows one writer at a time anyway); used only under
/// the store's write lock, so its compiled statements are reused without further locking.</summary>
internal sealed class WriterConnection : IDisposable
{
    private readonly int _timeout;
    private Statement? _begin;
    private Statement? _commit;
    private Statement? _rollback;
    private Statement? _savepoint;
    private Statement? _release;
    private Statement? _rollbackToSavepoint;
    private Statement? _selectStateETag;
    private Statement? _upsertState;
    private Statement? _deleteState;
    private Statement? _insertEvent;
    private Statement? _eventIdExists;
    private Statement? _upsertReminder;
    private Statement? _deleteReminder;

    public WriterConnection(string path, SqliteStorageOptions options)
    {
        _timeout = Connections.CommandTimeoutSeconds(options);
        Connection = Connections.Open(path, options, writer: true);
    }

    public SqliteConnection Connection { get; }

    /// <summary>Whether a transaction is open (SQLite may roll one back by itself after some errors).</summary>
    public bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>The rowid given by the last successful INSERT on this connection.</summary>
    public long LastInsertRowId => SQLitePCL.raw.sqlite3_last_insert_rowid(Connection.Handle);

    // BEGIN IMMEDIATE takes the write lock up front, so two processes sharing the file queue on busy_timeout
    // instead of failing on a read-to-write upgrade.
    public void Begin() => Prepare(ref _begin, "BEGIN IMMEDIATE;").Execute();

    public void Commit() => Prepare(ref _commit, "COMMIT;").Execute();

    public void Rollback() => Prepare(ref _rollback, "ROLLBACK;").Execute();

    /// <summary>Marks the start of one write inside a group commit.</summary>
    public void Savepoint() => Prepare(ref _savepoint, "SAVEPOINT write;").Execute();

    /// <summary>Keeps the write since <see cref="Savepoint"/> (it commits with the transaction).</summary>
    public void ReleaseSavepoint() => Prepare(ref _release, "RELEASE write;").Execute();

    /// <summary>Undoes the write since <see cref="Savepoint"/> and leaves the rest of the transaction intact.</summary>
    public void RollbackToSavepoint()
    {
        Prepare(ref _rollbackToSavepoint, "ROLLBACK TO write;").Execute();
        ReleaseSavepoint();
    }

    public Statement SelectStateETag => Prepare(ref _selectStateETag, Sql.SelectStateETag, "$stateName", "$grainType", "$grainKey");

    public Statement UpsertState => Prepare(ref _upsertState, Sql.UpsertState, "$stateName", "$grainType", "$grainKey", "$etag", "$payload", "$updatedAt");

    public Statement DeleteState => Prepare(ref _deleteState, Sql.DeleteState, "$stateName", "$grainType", "$grainKey");

    public Statement InsertEvent => Prepare(ref _insertEvent, Sql.InsertEvent, "$eventId", "$tenant", "$type", "$subject", "$time", "$payload");

    public Statement EventIdExists => Prepare(ref _eventIdExists, Sql.SelectEventIdExists, "$eventId");

    public Statement UpsertReminder => Prepare(ref _upsertReminder, Sql.UpsertReminder, "$grainType", "$grainKey", "$name", "$firstDue", "$period", "$etag");

    public Statement DeleteReminder => Prepare(ref _deleteReminder, Sql.DeleteReminder, "$grainType", "$grainKey", "$name");

    private Statement Prepare(ref Statement? slot, string sql, params string[] parameters) =>
        slot ??= new Statement(Connection, sql, _timeout, parameters);

    public void Dispose()
    {
        foreach (var statement in new[] { _begin, _commit, _rollback, _savepoint, _release, _rollbackToSavepoint, _selectStateETag, _upsertState, _deleteState, _insertEvent, _eventIdExists, _upsertReminder, _deleteReminder })
        {
            statement?.Dispose();
        }

        Connection.Dispose();
    }
}
