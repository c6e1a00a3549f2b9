using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Campaigns.SendLog.Internal;

/// <summary>A statement compiled once on the send log's connection and run again with new parameter values, bound by
/// position straight through SQLitePCL. A <c>SqliteCommand</c> looks every parameter up by name on each run and builds a
/// data reader even for an update; the sending path runs an insert, a claim and an outcome per message
/// (docs/adr/campaigns-15-rowid-send-records.md). Statements that return rows run as a <see cref="SendLogQuery"/>.</summary>
internal sealed class SendLogStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int[] _positions;

    /// <summary>Compiles <paramref name="sql"/>, whose parameters must be exactly <paramref name="parameterNames"/>; each
    /// is found in the statement once, here, and bound by its position in that list afterwards.</summary>
    public SendLogStatement(SqliteConnection connection, string sql, string[] parameterNames)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the send log's connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement, out _), _db);
        _positions = new int[parameterNames.Length];
        for (var i = 0; i < parameterNames.Length; i++)
        {
            _positions[i] = raw.sqlite3_bind_parameter_index(_statement, parameterNames[i]);
        }

        if (_positions.Contains(0) || _positions.Length != raw.sqlite3_bind_parameter_count(_statement))
        {
            _statement.Dispose();
            throw new InvalidOperationException($"the parameters ({string.Join(", ", parameterNames)}) are not exactly those of the statement: {sql}");
        }
    }

    /// <summary>Sets parameter <paramref name="index"/> (0-based, in the order the names were given): text, a blob, an
    /// integer or null (SQL NULL); it keeps its value until set again.</summary>
    public SendLogStatement Bind(int index, object? value)
    {
        var position = _positions[index];
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(_statement, position),
            string text => raw.sqlite3_bind_text(_statement, position, text),
            byte[] bytes => raw.sqlite3_bind_blob(_statement, position, bytes),
            long number => raw.sqlite3_bind_int64(_statement, position, number),
            int number => raw.sqlite3_bind_int64(_statement, position, number),
            _ => throw new ArgumentException($"parameter {position} has a value of type {value.GetType()}, which the send log does not write.", nameof(value)),
        };
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return this;
    }

    /// <summary>Runs it to its end; returns the number of rows changed.</summary>
    public int Execute()
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
                // Rows of a statement run for its effect (a pragma's answer).
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs it; returns the first column of the first row (an integer as <see cref="long"/>, text, a blob), or
    /// null when there is no row or the value is NULL.</summary>
    public object? Scalar()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == raw.SQLITE_DONE)
            {
                return null;
            }

            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_column_type(_statement, 0) switch
            {
                raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_statement, 0),
                raw.SQLITE_FLOAT => raw.sqlite3_column_double(_statement, 0),
                raw.SQLITE_TEXT => raw.sqlite3_column_text(_statement, 0).utf8_to_string(),
                raw.SQLITE_BLOB => raw.sqlite3_column_blob(_statement, 0).ToArray(),
                _ => null,
            };
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Finalizes it.</summary>
    public void Dispose() => _statement.Dispose();
}
