using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.SendLog.Internal;

/// <summary>A query compiled once on the send log's connection and run again with new parameter values, for its rows;
/// parameters are addressed by position, in the order they were declared. (One run lists a whole batch, so the command's
/// cost per run does not matter as it does for <see cref="SendLogStatement"/>.)</summary>
internal sealed class SendLogQuery : IDisposable
{
    private readonly SqliteCommand _command;

    public SendLogQuery(SqliteConnection connection, string sql, string[] parameterNames)
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
    public SendLogQuery Bind(int index, object? value)
    {
        _command.Parameters[index].Value = value ?? DBNull.Value;
        return this;
    }

    /// <summary>Runs it for its rows; the reader must be disposed before the query runs again.</summary>
    public SqliteDataReader Run() => _command.ExecuteReader();

    public void Dispose() => _command.Dispose();
}
