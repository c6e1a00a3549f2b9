using MailMesh.Campaigns.PostgreSql;
using MailMesh.Engagement.Reports;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Engagement.PostgreSql;

/// <summary>The bounce and complaint notices of campaigns in the cluster's PostgreSQL schema, beside the event log they are
/// projected from, with the same rows and queries as the SQLite <see cref="ReportNoticeStore"/>. Silos catching up at once
/// read the same events: each notice is stored once by its event id, and a cursor only moves forward.</summary>
public sealed class PostgreSqlReportNoticeStore : IReportNoticeStore
{
    /// <summary>The component name of the notice tables (<see cref="PostgreSqlStore.MigrateComponentAsync"/>).</summary>
    public const string Component = "engagement_report_notices";

    private static readonly PostgreSqlSchemaStep[] Steps =
    [
        new(1, "bounce and complaint notices of campaigns and their event-log cursors", """
            CREATE TABLE {s}.report_notices (
                event_id uuid NOT NULL PRIMARY KEY, tenant text NOT NULL, campaign text NOT NULL, contact text COLLATE "C" NOT NULL,
                kind smallint NOT NULL, reason text, at bigint NOT NULL);
            CREATE INDEX report_notices_campaign ON {s}.report_notices (tenant, campaign, kind, contact, at);
            CREATE TABLE {s}.report_cursors (name text NOT NULL PRIMARY KEY, sequence bigint NOT NULL);
            """),
    ];

    private readonly PostgreSqlStore _store;
    private readonly ReportNoticeFeed _feed;
    private readonly SemaphoreSlim _catchUp = new(1, 1);
    private readonly string _notices;
    private readonly string _cursors;

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store), following
    /// <paramref name="events"/> <paramref name="batchSize"/> events at a time.</summary>
    public PostgreSqlReportNoticeStore(PostgreSqlStore store, IEventLog events, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _feed = new ReportNoticeFeed(events, batchSize);
        _notices = store.Qualify("report_notices");
        _cursors = store.Qualify("report_cursors");
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _store.MigrateComponentAsync(Component, Steps, cancellationToken);

    /// <inheritdoc />
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken = default)
    {
        await _catchUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _feed.CatchUpAsync(GetCursorAsync, StoreAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _catchUp.Release();
        }
    }

    /// <inheritdoc />
    public Task<NoticeReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ReportAsync($"counting the notices of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            // Per campaign and recipient: hard when any notice was hard; soft when there were only soft ones.
            await using var command = new NpgsqlCommand($"""
                SELECT count(*) FILTER (WHERE hard), count(*) FILTER (WHERE soft AND NOT hard), count(*) FILTER (WHERE complaint) FROM (
                    SELECT bool_or(n.kind = 1) AS hard, bool_or(n.kind = 2) AS soft, bool_or(n.kind = 3) AS complaint
                    FROM {_notices} n {ReportScope(membersDatabase, campaign)} GROUP BY n.campaign, n.contact) g
                """, connection);
            BindScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return new NoticeReportCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<(long Hour, long Bounces, long Complaints)>> ReportHoursAsync(
        string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ReportAsync<IReadOnlyList<(long, long, long)>>($"counting the notices per hour of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT n.at / 3600000 AS hour, count(*) FILTER (WHERE n.kind IN (1, 2)), count(*) FILTER (WHERE n.kind = 3)
                FROM {_notices} n {ReportScope(membersDatabase, campaign)} GROUP BY hour ORDER BY hour
                """, connection);
            BindScope(command, tenant, campaign);
            var hours = new List<(long, long, long)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                hours.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return hours;
        }, cancellationToken);
    }

    /// <summary>Stores a batch and moves the cursor forward in one transaction (safe to repeat). Silos catching up at once
    /// take turns by a transaction-scoped advisory lock: two of them inserting the same notices and moving the same cursor
    /// in one statement could otherwise each wait for the other.</summary>
    private Task<int> StoreAsync(IReadOnlyList<ReportNotice> notices, string cursor, long through, CancellationToken cancellationToken) =>
        RunAsync($"storing {notices.Count} report notices through event {through}", async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (var turn = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@lock))", connection, transaction))
            {
                turn.Parameters.Add(new NpgsqlParameter<string>("lock", _notices));
                await turn.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using var command = new NpgsqlCommand($"""
                WITH stored AS (
                    INSERT INTO {_notices} (event_id, tenant, campaign, contact, kind, reason, at)
                    SELECT * FROM unnest(@id, @tenant, @campaign, @contact, @kind, @reason, @at)
                    ON CONFLICT (event_id) DO NOTHING RETURNING 1),
                moved AS (
                    INSERT INTO {_cursors} (name, sequence) VALUES (@cursor, @through)
                    ON CONFLICT (name) DO UPDATE SET sequence = greatest({_cursors}.sequence, excluded.sequence))
                SELECT count(*)::integer FROM stored
                """, connection, transaction);
            var p = command.Parameters;
            p.Add(new NpgsqlParameter<Guid[]>("id", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. notices.Select(n => n.EventId)] });
            p.Add(new NpgsqlParameter<string[]>("tenant", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. notices.Select(n => n.Tenant)] });
            p.Add(new NpgsqlParameter<string[]>("campaign", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. notices.Select(n => n.Campaign)] });
            p.Add(new NpgsqlParameter<string[]>("contact", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. notices.Select(n => n.Contact)] });
            p.Add(new NpgsqlParameter<short[]>("kind", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = [.. notices.Select(n => (short)n.Kind)] });
            p.Add(new NpgsqlParameter<string?[]>("reason", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. notices.Select(n => n.Reason)] });
            p.Add(new NpgsqlParameter<long[]>("at", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. notices.Select(n => n.At.ToUnixTimeMilliseconds())] });
            p.Add(new NpgsqlParameter<string>("cursor", cursor));
            p.Add(new NpgsqlParameter<long>("through", through));
            var stored = (int)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return stored;
        }, cancellationToken);

    private Task<long> GetCursorAsync(string cursor, CancellationToken cancellationToken) =>
        RunAsync($"reading report cursor '{cursor}'", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"SELECT sequence FROM {_cursors} WHERE name = @cursor", connection);
            command.Parameters.Add(new NpgsqlParameter<string>("cursor", cursor));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long sequence ? sequence : 0;
        }, cancellationToken);

    private static string Scope(string tenant, string? campaign) =>
        campaign is null ? $"tenant '{tenant}'" : $"campaign '{campaign}' of tenant '{tenant}'";

    private static string ReportScope(string? membersDatabase, string? campaign) =>
        $"{PostgreSqlReportMembers.Join(membersDatabase, "n")} WHERE n.tenant = @t {(campaign is null ? "AND n.campaign <> ''" : "AND n.campaign = @c")}";

    private static void BindScope(NpgsqlCommand command, string tenant, string? campaign)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        if (campaign is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("c", campaign));
        }
    }

    private Task<T> ReportAsync<T>(string operation, string? membersDatabase, Func<NpgsqlConnection, CancellationToken, Task<T>> query, CancellationToken cancellationToken) =>
        RunAsync(operation, (connection, ct) => PostgreSqlReportMembers.QueryAsync(connection, membersDatabase, query, ct), cancellationToken);

    private Task<T> RunAsync<T>(string operation, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _store.RunAsync(operation, repeatable: true, work, static (connection, work, ct) => work(connection, ct), cancellationToken);
}
