using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Audience.ReadModel;

/// <summary>A statement prepared once on the read model's writer connection and bound by parameter position.
/// <c>SqliteCommand</c> looks every parameter up by name on each execution (a native scan of the statement's
/// parameter names per parameter, with the name converted to UTF-8 each time); for the 80 parameters of a contact's
/// rows that was the largest single cost of an import (docs/adr/audience-04-bulk-import.md). Statements here use
/// numbered parameters (?1…) bound by position. Not thread-safe: only the writer loop uses it, inside the transactions it opens.</summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private const int Row = 100;
    private const int Done = 101;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>Prepares <paramref name="sql"/> on <paramref name="connection"/> (open).</summary>
    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the read model's connection is not open");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
    }

    /// <summary>Sets every parameter to NULL.</summary>
    public void ClearBindings() => Check(raw.sqlite3_clear_bindings(_statement));

    /// <summary>Binds text (NULL when null).</summary>
    public SqliteRawStatement Text(int position, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_statement, position) : raw.sqlite3_bind_text(_statement, position, value));
        return this;
    }

    /// <summary>Binds UTF-8 text.</summary>
    public SqliteRawStatement Utf8(int position, ReadOnlySpan<byte> value)
    {
        Check(raw.sqlite3_bind_text(_statement, position, value));
        return this;
    }

    /// <summary>Binds an integer (NULL when null).</summary>
    public SqliteRawStatement Int64(int position, long? value)
    {
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, position, v) : raw.sqlite3_bind_null(_statement, position));
        return this;
    }

    /// <summary>Binds a real number (NULL when null).</summary>
    public SqliteRawStatement Double(int position, double? value)
    {
        Check(value is { } v ? raw.sqlite3_bind_double(_statement, position, v) : raw.sqlite3_bind_null(_statement, position));
        return this;
    }

    /// <summary>Runs the statement to its end; returns the rows changed.</summary>
    public int Execute()
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == Row)
            {
                // RETURNING rows nobody reads.
            }

            if (rc != Done)
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

    /// <summary>Runs the statement and returns the first column of its first row as an integer (null when there is no
    /// row or the value is NULL).</summary>
    public long? ScalarInt64()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == Row)
            {
                var value = raw.sqlite3_column_type(_statement, 0) == raw.SQLITE_NULL ? (long?)null : raw.sqlite3_column_int64(_statement, 0);
                while ((rc = raw.sqlite3_step(_statement)) == Row)
                {
                    // The rest of the rows (none for the statements used here).
                }

                if (rc != Done)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }

                return value;
            }

            if (rc != Done)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return null;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs the statement and gives its first row's text and integer columns 0 and 1 (null when there is no row).</summary>
    public (string? Text, long? Number)? FirstRow()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == Row)
            {
                var text = raw.sqlite3_column_type(_statement, 0) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(_statement, 0).utf8_to_string();
                var number = raw.sqlite3_column_type(_statement, 1) == raw.SQLITE_NULL ? (long?)null : raw.sqlite3_column_int64(_statement, 1);
                return (text, number);
            }

            if (rc != Done)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return null;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Finalizes the statement.</summary>
    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
