using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.SendLog.Internal;

/// <summary>A command compiled once on the send log's connection and run again with new parameter values; parameters
/// are addressed by position, in the order they were declared.</summary>
internal sealed class SendLogStatement : IDisposable
{
    private readonly SqliteCommand _command;

    public SendLogStatement(SqliteConnection connection, string sql, string[] parameterNames)
    {
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            _command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
        }

        _command.Prepare();
    }

    /// <summary>Sets parameter <paramref name="index"/>; null is SQL NULL.</summary>
    public SendLogStatement Bind(int index, object? value)
    {
        _command.Parameters[index].Value = value ?? DBNull.Value;
        return this;
    }

    /// <summary>Runs it; returns the number of rows changed.</summary>
    public int Execute() => _command.ExecuteNonQuery();

    /// <summary>Runs it; returns the first column of the first row, or null.</summary>
    public object? Scalar() => _command.ExecuteScalar();

    /// <summary>Runs it for its rows; the reader must be disposed before the statement runs again.</summary>
    public SqliteDataReader Query() => _command.ExecuteReader();

    public void Dispose() => _command.Dispose();
}
