using MailMesh.Audience.Segments;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.ReadModel;

public sealed partial class SqliteContactReadModel
{
    /// <inheritdoc />
    public SqlDialect Dialect => SqlDialect.Sqlite;

    /// <inheritdoc />
    public SegmentQuery Compile(SegmentPredicate predicate) => SegmentSqlCompiler.Compile(predicate, SqlDialect.Sqlite);

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, AttributeSlot>> GetSlotsAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, kind, slot FROM contact_slots WHERE tenant = $t";
        command.Parameters.AddWithValue("$t", tenant);
        var slots = new Dictionary<string, AttributeSlot>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            slots[name] = new AttributeSlot(name, reader.GetString(1) == "t", reader.IsDBNull(2) ? null : (int)reader.GetInt64(2));
        }

        return slots;
    }

    /// <inheritdoc />
    public async Task<long> CountMatchingAsync(string tenant, SegmentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Segment(connection, query,
            $"SELECT count(*) FROM contact_search v {(query.UsesContacts ? "JOIN contacts c ON c.id = v.id " : "")}WHERE v.tenant = $tenant AND {query.Where}", tenant);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListMatchingAsync(string tenant, SegmentQuery query, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Segment(connection, query, $"""
            SELECT c.address FROM contacts c JOIN contact_search v ON v.id = c.id
            WHERE c.tenant = $tenant AND c.address > $after AND {query.Where} ORDER BY c.address LIMIT $limit
            """, tenant);
        command.Parameters.AddWithValue("$after", after ?? "");
        command.Parameters.AddWithValue("$limit", limit);
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> SnapshotAsync(string tenant, string segment, string snapshot, SegmentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = Segment(connection, query, $"""
            INSERT OR IGNORE INTO segment_members (tenant, segment, snapshot, address)
            SELECT $tenant, $segment, $snapshot, c.address FROM contact_search v JOIN contacts c ON c.id = v.id WHERE v.tenant = $tenant AND {query.Where}
            """, tenant);
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$segment", segment);
        command.Parameters.AddWithValue("$snapshot", snapshot);
        var count = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <inheritdoc />
    public async Task<long> CountSnapshotAsync(string tenant, string segment, string snapshot, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM segment_members WHERE tenant = $t AND segment = $s AND snapshot = $n";
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$s", segment);
        command.Parameters.AddWithValue("$n", snapshot);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListSnapshotAsync(string tenant, string segment, string snapshot, string? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT address FROM segment_members WHERE tenant = $t AND segment = $s AND snapshot = $n AND address > $after ORDER BY address LIMIT $limit
            """;
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$s", segment);
        command.Parameters.AddWithValue("$n", snapshot);
        command.Parameters.AddWithValue("$after", after ?? "");
        command.Parameters.AddWithValue("$limit", limit);
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteSnapshotsAsync(string tenant, string segment, string? keep, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM segment_members WHERE tenant = $t AND segment = $s AND ($keep IS NULL OR snapshot <> $keep)";
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$s", segment);
        command.Parameters.AddWithValue("$keep", (object?)keep ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A connection for segment queries: the file mapped into memory, so a scan reads pages without a system
    /// call each.</summary>
    private async Task<SqliteConnection> OpenQueryAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA mmap_size = 4294967296";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static SqliteCommand Segment(SqliteConnection connection, SegmentQuery query, string sql, string tenant)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$tenant", tenant);
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.AddWithValue("$" + name, value);
        }

        return command;
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }
}
