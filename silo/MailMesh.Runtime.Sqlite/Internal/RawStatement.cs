using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>A statement of the writer connection, prepared once and bound by parameter position straight through
/// SQLitePCL. <c>SqliteCommand</c> looks each parameter up by name on every execution (the name converted to UTF-8 and
/// searched in the statement) and builds a data reader even for a non-query; a bulk write of grain states ran three such
/// executions per grain (docs/adr/audience-06-import-write-amplification.md). Used only by the writer loop, inside the
/// transactions it opens (BEGIN IMMEDIATE holds the write lock, so a step never meets SQLITE_BUSY).</summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>Prepares <paramref name="sql"/> and checks that its parameters are, in order, <paramref name="parameterNames"/>
    /// (so positions given to <see cref="Bind"/> mean what the caller thinks).</summary>
    public RawStatement(SqliteConnection connection, string sql, params string[] parameterNames)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the writer connection is not open");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement, out _), _db);
        var count = raw.sqlite3_bind_parameter_count(_statement);
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = raw.sqlite3_bind_parameter_name(_statement, i + 1).utf8_to_string();
        }

        if (!names.SequenceEqual(parameterNames, StringComparer.Ordinal))
        {
            _statement.Dispose();
            throw new InvalidOperationException($"The statement's parameters are ({string.Join(", ", names)}), not ({string.Join(", ", parameterNames)}): {sql}");
        }
    }

    /// <summary>Binds the parameter at <paramref name="index"/> (0-based): text, a blob, an integer, a real or NULL.</summary>
    public RawStatement Bind(int index, object? value)
    {
        var position = index + 1;
        var rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(_statement, position),
            string text => raw.sqlite3_bind_text(_statement, position, text),
            byte[] bytes => raw.sqlite3_bind_blob(_statement, position, bytes),
            long number => raw.sqlite3_bind_int64(_statement, position, number),
            int number => raw.sqlite3_bind_int64(_statement, position, number),
            double number => raw.sqlite3_bind_double(_statement, position, number),
            bool flag => raw.sqlite3_bind_int64(_statement, position, flag ? 1 : 0),
            _ => throw new ArgumentException($"Parameter {position} has a value of type {value.GetType()}, which the store does not write.", nameof(value)),
        };
        Check(rc);
        return this;
    }

    /// <summary>Runs the statement to its end; returns the rows it changed.</summary>
    public int Execute()
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
                // Rows of a statement run for its effect.
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

    /// <summary>Runs the statement and returns the first column of its first row (text, integer, real or blob), or null
    /// when there is no row or the value is NULL.</summary>
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
