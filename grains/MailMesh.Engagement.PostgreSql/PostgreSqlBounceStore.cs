using MailMesh.Engagement.Bounces;
using MailMesh.Runtime.PostgreSql;
using Npgsql;

namespace MailMesh.Engagement.PostgreSql;

/// <summary>The bounce processing tables in the cluster's PostgreSQL schema, with the same rows and rules as the SQLite
/// <see cref="BounceStore"/>: one review list for the bounces every silo processed (each kept once per source, source key
/// and recipient), the processed mailbox message keys, and the event-log cursors, which only move forward. Every write is
/// safe to repeat after a broken connection. Errors are <see cref="MailMesh.Runtime.Storage.StorageException"/>s.</summary>
public sealed class PostgreSqlBounceStore : IBounceStore
{
    /// <summary>The component name of the bounce tables (<see cref="PostgreSqlStore.MigrateComponentAsync"/>).</summary>
    public const string Component = "engagement_bounces";

    private const string ReviewColumns = "id, tenant, source, source_key, problem, kind, reason, recipient, status, diagnostic, subject, blob, received_at";

    private static readonly PostgreSqlSchemaStep[] Steps =
    [
        new(1, "bounces kept for review, processed mailbox messages and cursors", """
            CREATE TABLE {s}.bounce_review (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant text NOT NULL, source text NOT NULL, source_key text NOT NULL, problem text NOT NULL, kind text NOT NULL, reason text NOT NULL,
                recipient text, status text, diagnostic text, subject text, blob text, received_at bigint NOT NULL, recipient_key text NOT NULL,
                UNIQUE (source, source_key, recipient_key));
            CREATE INDEX bounce_review_tenant ON {s}.bounce_review (tenant, id);
            CREATE TABLE {s}.bounce_processed (message_key text PRIMARY KEY, processed_at bigint NOT NULL);
            CREATE TABLE {s}.bounce_cursor (name text PRIMARY KEY, sequence bigint NOT NULL);
            """),
    ];

    private readonly PostgreSqlStore _store;
    private readonly string _review;
    private readonly string _processed;
    private readonly string _cursors;
    private Task? _initialized;

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store). The tables are made
    /// on first use, as the SQLite store makes its file.</summary>
    public PostgreSqlBounceStore(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _review = store.Qualify("bounce_review");
        _processed = store.Qualify("bounce_processed");
        _cursors = store.Qualify("bounce_cursor");
    }

    /// <inheritdoc />
    public Task<long> AddReviewAsync(BounceReviewItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return RunAsync($"keeping bounce '{item.SourceKey}' from {item.Source} for review", async (connection, ct) =>
        {
            // The SELECT sees the statement's snapshot: when another silo added the same item after it was taken, the
            // insert skips it and the SELECT misses it, so the second round (a new snapshot) finds it.
            for (var round = 1; ; round++)
            {
                await using var command = new NpgsqlCommand($"""
                    WITH added AS (
                        INSERT INTO {_review} (tenant, source, source_key, problem, kind, reason, recipient, recipient_key, status, diagnostic, subject, blob, received_at)
                        VALUES (@tenant, @source, @key, @problem, @kind, @reason, @recipient, @recipient_key, @status, @diagnostic, @subject, @blob, @at)
                        ON CONFLICT (source, source_key, recipient_key) DO NOTHING RETURNING id)
                    SELECT id FROM added
                    UNION ALL SELECT id FROM {_review} WHERE source = @source AND source_key = @key AND recipient_key = @recipient_key
                    LIMIT 1
                    """, connection);
                var p = command.Parameters;
                p.Add(new NpgsqlParameter<string>("tenant", item.Tenant));
                p.Add(new NpgsqlParameter<string>("source", item.Source));
                p.Add(new NpgsqlParameter<string>("key", item.SourceKey));
                p.Add(new NpgsqlParameter<string>("problem", item.Problem));
                p.Add(new NpgsqlParameter<string>("kind", item.Kind));
                p.Add(new NpgsqlParameter<string>("reason", item.Reason));
                p.Add(Text("recipient", item.Recipient));
                p.Add(new NpgsqlParameter<string>("recipient_key", item.Recipient ?? string.Empty));
                p.Add(Text("status", item.Status));
                p.Add(Text("diagnostic", item.Diagnostic));
                p.Add(Text("subject", item.Subject));
                p.Add(Text("blob", item.Blob));
                p.Add(new NpgsqlParameter<long>("at", item.ReceivedAt.ToUnixTimeMilliseconds()));
                if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long id)
                {
                    return id;
                }

                if (round == 2)
                {
                    throw new InvalidOperationException($"bounce '{item.SourceKey}' from {item.Source} was neither added for review nor found there");
                }
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BounceReviewItem>> ListReviewAsync(string tenant, int limit = 100, long? beforeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return RunAsync<IReadOnlyList<BounceReviewItem>>($"listing the bounces of tenant '{tenant}' kept for review", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(
                $"SELECT {ReviewColumns} FROM {_review} WHERE tenant = @tenant AND id < @before ORDER BY id DESC LIMIT @limit", connection);
            command.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
            command.Parameters.Add(new NpgsqlParameter<long>("before", beforeId ?? long.MaxValue));
            command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
            var items = new List<BounceReviewItem>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                items.Add(new BounceReviewItem(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                    Nullable(reader, 7), Nullable(reader, 8), Nullable(reader, 9), Nullable(reader, 10), Nullable(reader, 11),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12))));
            }

            return items;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> IsProcessedAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync($"looking up bounce message '{key}'", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"SELECT 1 FROM {_processed} WHERE message_key = @key", connection);
            command.Parameters.Add(new NpgsqlParameter<string>("key", key));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task MarkProcessedAsync(string? key, string cursor, long sequence, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cursor);
        return RunAsync($"moving bounce cursor '{cursor}' to {sequence}", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                WITH processed AS (
                    INSERT INTO {_processed} (message_key, processed_at) SELECT @key, @at WHERE @key IS NOT NULL ON CONFLICT (message_key) DO NOTHING)
                INSERT INTO {_cursors} (name, sequence) VALUES (@cursor, @sequence)
                ON CONFLICT (name) DO UPDATE SET sequence = greatest({_cursors}.sequence, excluded.sequence)
                """, connection);
            command.Parameters.Add(Text("key", key));
            command.Parameters.Add(new NpgsqlParameter<long>("at", at.ToUnixTimeMilliseconds()));
            command.Parameters.Add(new NpgsqlParameter<string>("cursor", cursor));
            command.Parameters.Add(new NpgsqlParameter<long>("sequence", sequence));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> GetCursorAsync(string cursor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cursor);
        return RunAsync($"reading bounce cursor '{cursor}'", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"SELECT sequence FROM {_cursors} WHERE name = @cursor", connection);
            command.Parameters.Add(new NpgsqlParameter<string>("cursor", cursor));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long value ? value : 0;
        }, cancellationToken);
    }

    /// <summary>Creates the tables on first use; a failed attempt (the server was away) is made again by the next call.
    /// Silos racing here are serialized by the store's migration lock.</summary>
    private Task InitializeAsync()
    {
        var initialized = Volatile.Read(ref _initialized);
        if (initialized is null || initialized.IsFaulted || initialized.IsCanceled)
        {
            initialized = _store.MigrateComponentAsync(Component, Steps);
            Volatile.Write(ref _initialized, initialized);
        }

        return initialized;
    }

    private static NpgsqlParameter<string?> Text(string name, string? value) => new(name, NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = value };

    private static string? Nullable(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private async Task<T> RunAsync<T>(string operation, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await _store.RunAsync(operation, repeatable: true, work, static (connection, work, ct) => work(connection, ct), cancellationToken).ConfigureAwait(false);
    }
}
