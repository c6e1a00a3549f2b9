using MailMesh.Campaigns.SendLog;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Campaigns.PostgreSql;

/// <summary>A report's members database (<see cref="ReportMembers"/>, a SQLite file the report service writes on this
/// silo) cannot be attached to PostgreSQL: its contacts are streamed with binary COPY into a temporary table of the query's
/// own connection, dropped at commit, and the report queries join on that. The members never sit in memory. Used by the
/// PostgreSQL send log and the PostgreSQL engagement stores.</summary>
public static class PostgreSqlReportMembers
{
    private const string Name = "report_members";

    /// <summary>The temporary table.</summary>
    public const string Table = "pg_temp." + Name;

    /// <summary>The JOIN restricting <paramref name="alias"/> (a table with a <c>contact</c> column) to the members, or
    /// nothing when there is no members database.</summary>
    public static string Join(string? membersDatabase, string alias) =>
        membersDatabase is null ? "" : $"JOIN {Table} m ON m.contact = {alias}.contact";

    /// <summary>Runs <paramref name="query"/> in one transaction on <paramref name="connection"/>, with the members (when
    /// given) loaded first; the commit drops them, so the pooled connection goes back clean.</summary>
    /// <exception cref="FileNotFoundException">The members database does not exist.</exception>
    public static async Task<T> QueryAsync<T>(
        NpgsqlConnection connection, string? membersDatabase, Func<NpgsqlConnection, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        if (membersDatabase is not null)
        {
            ReportMembers.RequireExists(membersDatabase);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (membersDatabase is not null)
        {
            await LoadAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        }

        var result = await query(connection, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static async Task LoadAsync(NpgsqlConnection connection, string membersDatabase, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand($"CREATE TEMPORARY TABLE {Name} (contact text COLLATE \"C\" NOT NULL PRIMARY KEY) ON COMMIT DROP", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var source = new SqliteConnectionStringBuilder { DataSource = membersDatabase, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var members = new SqliteConnection(source.ToString());
        await members.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = members.CreateCommand();
        select.CommandText = "SELECT contact FROM members";
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {Table} (contact) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(reader.GetString(0), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var analyze = new NpgsqlCommand($"ANALYZE {Table}", connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
