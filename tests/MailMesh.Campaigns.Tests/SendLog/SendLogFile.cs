using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>Raw SQL on a send log file, outside the send log: an older schema written by hand, or what the send log left
/// behind read back. A connection of its own, not pooled, so nothing stays open on the file afterwards.</summary>
internal static class SendLogFile
{
    /// <summary>Runs <paramref name="sql"/> on the file at <paramref name="path"/>, creating its directory first.</summary>
    public static async Task ExecuteAsync(string path, string sql)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var connection = await OpenAsync(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The integer <paramref name="sql"/> answers on the file at <paramref name="path"/>.</summary>
    public static async Task<long> ScalarAsync(string path, string sql)
    {
        await using var connection = await OpenAsync(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<SqliteConnection> OpenAsync(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }
}
