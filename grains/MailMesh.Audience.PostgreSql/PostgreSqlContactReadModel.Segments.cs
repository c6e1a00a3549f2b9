using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Segments;
using Npgsql;

namespace MailMesh.Audience.PostgreSql;

public sealed partial class PostgreSqlContactReadModel
{
    /// <inheritdoc />
    public SqlDialect Dialect => SqlDialect.PostgreSql;

    /// <inheritdoc />
    public SegmentQuery Compile(SegmentPredicate predicate) => SegmentSqlCompiler.Compile(predicate, SqlDialect.PostgreSql, _overflow);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, AttributeSlot>> GetSlotsAsync(string tenant, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"reading the attribute slots of {tenant}", repeatable: true, (Model: this, Tenant: tenant), static async (connection, args, ct) =>
            (IReadOnlyDictionary<string, AttributeSlot>)await args.Model.ReadSlotsAsync(connection, null, args.Tenant, null, ct).ConfigureAwait(false), cancellationToken);

    /// <inheritdoc />
    public Task<long> CountMatchingAsync(string tenant, SegmentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = $"SELECT count(*) FROM {_search} v {(query.UsesContacts ? $"JOIN {_contacts} c ON c.id = v.id " : "")}WHERE v.tenant = @tenant AND {query.Where}";
        return _store.RunAsync($"counting a segment of {tenant}", repeatable: true, (sql, tenant, query), static async (connection, args, ct) =>
        {
            await using var command = Segment(connection, args.sql, args.query, args.tenant);
            return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListMatchingAsync(string tenant, SegmentQuery query, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = $"""
            SELECT c.address FROM {_contacts} c JOIN {_search} v ON v.id = c.id
            WHERE c.tenant = @tenant AND c.address > @after AND {query.Where} ORDER BY c.address LIMIT @limit
            """;
        return _store.RunAsync($"listing a segment of {tenant}", repeatable: true, (sql, tenant, query, after, limit), static async (connection, args, ct) =>
        {
            await using var command = Segment(connection, args.sql, args.query, args.tenant);
            command.Parameters.Add(new NpgsqlParameter<string>("after", args.after ?? ""));
            command.Parameters.Add(new NpgsqlParameter<int>("limit", args.limit));
            return await ReadStringsAsync(command, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> SnapshotAsync(string tenant, string segment, string snapshot, SegmentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = $"""
            INSERT INTO {_members} (tenant, segment, snapshot, address)
            SELECT @tenant, @segment, @snapshot, c.address FROM {_search} v JOIN {_contacts} c ON c.id = v.id WHERE v.tenant = @tenant AND {query.Where}
            ON CONFLICT DO NOTHING
            """;
        var count = $"SELECT count(*) FROM {_members} WHERE tenant = @tenant AND segment = @segment AND snapshot = @snapshot";
        return _store.RunAsync($"freezing segment {segment} of {tenant}", repeatable: true, (sql, count, tenant, segment, snapshot, query), static async (connection, args, ct) =>
        {
            await using var command = Segment(connection, args.sql, args.query, args.tenant);
            command.Parameters.Add(new NpgsqlParameter<string>("segment", args.segment));
            command.Parameters.Add(new NpgsqlParameter<string>("snapshot", args.snapshot));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            // Counted afterwards: a repeated run (after a broken connection) inserts nothing but holds every member.
            await using var count = new NpgsqlCommand(args.count, connection);
            count.Parameters.Add(new NpgsqlParameter<string>("tenant", args.tenant));
            count.Parameters.Add(new NpgsqlParameter<string>("segment", args.segment));
            count.Parameters.Add(new NpgsqlParameter<string>("snapshot", args.snapshot));
            return (long)(await count.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CountSnapshotAsync(string tenant, string segment, string snapshot, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"counting segment {segment} of {tenant}", repeatable: true,
            (Sql: $"SELECT count(*) FROM {_members} WHERE tenant = @t AND segment = @s AND snapshot = @n", tenant, segment, snapshot), static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Sql, connection);
                command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
                command.Parameters.Add(new NpgsqlParameter<string>("s", args.segment));
                command.Parameters.Add(new NpgsqlParameter<string>("n", args.snapshot));
                return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListSnapshotAsync(string tenant, string segment, string snapshot, string? after, int limit, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"listing segment {segment} of {tenant}", repeatable: true,
            (Sql: $"SELECT address FROM {_members} WHERE tenant = @t AND segment = @s AND snapshot = @n AND address > @after ORDER BY address LIMIT @limit",
                tenant, segment, snapshot, after, limit), static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Sql, connection);
                command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
                command.Parameters.Add(new NpgsqlParameter<string>("s", args.segment));
                command.Parameters.Add(new NpgsqlParameter<string>("n", args.snapshot));
                command.Parameters.Add(new NpgsqlParameter<string>("after", args.after ?? ""));
                command.Parameters.Add(new NpgsqlParameter<int>("limit", args.limit));
                return await ReadStringsAsync(command, ct).ConfigureAwait(false);
            }, cancellationToken);

    /// <inheritdoc />
    public Task DeleteSnapshotsAsync(string tenant, string segment, string? keep, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"deleting snapshots of segment {segment} of {tenant}", repeatable: true,
            (Sql: $"DELETE FROM {_members} WHERE tenant = @t AND segment = @s AND (@keep::text IS NULL OR snapshot <> @keep)", tenant, segment, keep),
            static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Sql, connection);
                command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
                command.Parameters.Add(new NpgsqlParameter<string>("s", args.segment));
                command.Parameters.Add(new NpgsqlParameter("keep", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)args.keep ?? DBNull.Value });
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }, cancellationToken);

    private static NpgsqlCommand Segment(NpgsqlConnection connection, string sql, SegmentQuery query, string tenant)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.Add(value switch
            {
                string text => new NpgsqlParameter<string>(name, text),
                double number => new NpgsqlParameter<double>(name, number),
                _ => throw new ArgumentException($"a segment parameter of type {value.GetType().Name}", nameof(query)),
            });
        }

        return command;
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }
}
