using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Internal;

/// <summary>One SQLite file of an engagement store (hits, report notices): a pooled connection string, connections opened
/// with the stores' settings, and the idempotent creation of the file and its tables.</summary>
internal sealed class SqliteStoreFile
{
    private readonly string _connectionString;

    /// <summary>The file at <paramref name="path"/> (made absolute).</summary>
    public SqliteStoreFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Creates the file's directory, turns on write-ahead logging and runs <paramref name="schema"/> (which must be
    /// idempotent); returns the open connection for the caller's migrations.</summary>
    public async Task<SqliteConnection> CreateAsync(string schema, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;\n" + schema;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a connection: normal syncs under write-ahead logging (a crash loses no committed transaction, a power
    /// cut at most the last ones), and a writer waits up to 30 s for another instead of failing at once.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
