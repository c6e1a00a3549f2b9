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
    private RawStatement? _selectStateETag;
    private RawStatement? _upsertState;
    private RawStatement? _deleteState;
    private RawStatement? _insertStateIfAbsent;
    private RawStatement? _updateStateIfMatch;
    private readonly RawStatement?[] _insertEvents = new RawStatement?[EventRows.RunSizes.Length];
    private RawStatement? _upsertReminder;
    private RawStatement? _deleteReminder;

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

    public RawStatement SelectStateETag => Raw(ref _selectStateETag, Sql.SelectStateETag, "$stateName", "$grainType", "$grainKey");

    public RawStatement UpsertState => Raw(ref _upsertState, Sql.UpsertState, "$stateName", "$grainType", "$grainKey", "$etag", "$payload", "$updatedAt");

    /// <summary>Inserts a state row only where there is none (0 rows changed: a row exists).</summary>
    public RawStatement InsertStateIfAbsent => Raw(ref _insertStateIfAbsent, Sql.InsertStateIfAbsent, "$stateName", "$grainType", "$grainKey", "$etag", "$payload", "$updatedAt");

    /// <summary>Replaces a state row only where its ETag is the expected one (0 rows changed: missing or another ETag).</summary>
    public RawStatement UpdateStateIfMatch => Raw(ref _updateStateIfMatch, Sql.UpdateStateIfMatch, "?1", "?2", "?3", "?4", "?5", "?6", "?7");

    public RawStatement DeleteState => Raw(ref _deleteState, Sql.DeleteState, "$stateName", "$grainType", "$grainKey");

    /// <summary>The INSERT of <paramref name="rows"/> events (one of <see cref="EventRows.RunSizes"/>), parameters ?1.. row by row.</summary>
    public RawStatement InsertEvents(int rows)
    {
        var slot = Array.IndexOf(EventRows.RunSizes, rows);
        if (slot < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "not one of the event log's run sizes.");
        }

        return _insertEvents[slot] ??= new RawStatement(
            Connection, EventRows.InsertSql(rows), [.. Enumerable.Range(1, rows * EventRows.ColumnsPerRow).Select(n => "?" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }

    public RawStatement UpsertReminder => Raw(ref _upsertReminder, Sql.UpsertReminder, "$grainType", "$grainKey", "$name", "$firstDue", "$period", "$etag");

    public RawStatement DeleteReminder => Raw(ref _deleteReminder, Sql.DeleteReminder, "$grainType", "$grainKey", "$name");

    private RawStatement Raw(ref RawStatement? slot, string sql, params string[] parameters) =>
        slot ??= new RawStatement(Connection, sql, parameters);

    private Statement Prepare(ref Statement? slot, string sql, params string[] parameters) =>
        slot ??= new Statement(Connection, sql, _timeout, parameters);

    public void Dispose()
    {
        foreach (var statement in new[] { _begin, _commit, _rollback, _savepoint, _release, _rollbackToSavepoint })
        {
            statement?.Dispose();
        }

        foreach (var statement in (RawStatement?[])[_selectStateETag, _upsertState, _insertStateIfAbsent, _updateStateIfMatch, _deleteState, _upsertReminder, _deleteReminder, .. _insertEvents])
        {
            statement?.Dispose();
        }

        Connection.Dispose();
    }
}
