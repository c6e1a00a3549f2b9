using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>A command compiled once per connection and reused with new parameter values; parameters are
/// addressed by position, in the order given at construction.</summary>
internal sealed class Statement : IDisposable
{
    private readonly SqliteCommand _command;

    public Statement(SqliteConnection connection, string sql, int timeoutSeconds, params string[] parameterNames)
    {
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        _command.CommandTimeout = timeoutSeconds;
        foreach (var name in parameterNames)
        {
            _command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _command.Prepare();
    }

    public SqliteCommand Command => _command;

    public Statement Bind(int index, object? value)
    {
        _command.Parameters[index].Value = value ?? DBNull.Value;
        return this;
    }

    public int Execute() => _command.ExecuteNonQuery();

    public object? Scalar() => _command.ExecuteScalar();

    public SqliteDataReader Query() => _command.ExecuteReader();

    public void Dispose() => _command.Dispose();
}
