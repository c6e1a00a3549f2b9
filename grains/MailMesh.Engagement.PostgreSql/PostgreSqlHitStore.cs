using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime.PostgreSql;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Engagement.PostgreSql;

/// <summary>The engagement event store in the cluster's PostgreSQL schema, with the same rows and rules as the SQLite
/// <see cref="HitStore"/>: every silo's tracking writer stores its batches here, so a report counts the hits of every
/// listener the load balancer sent them to, and a hand-over a stopped silo left open is handed over by another. A batch
/// travels as arrays that <c>unnest</c> turns back into rows: one statement stores it (ids already stored are skipped)
/// with its open hand-over, one closes it. Every write is safe to repeat, so a connection found broken is replaced and the
/// write repeated once; a failure after that is a <see cref="MailMesh.Runtime.Storage.StorageException"/> (an
/// <see cref="IOException"/>), on which the writer keeps the hits pending.</summary>
public sealed partial class PostgreSqlHitStore : IHitStore
{
    private const string HitColumns = "id, kind, tenant, campaign, contact, link_index, target, at, issued_at, ip, user_agent, machine, reason";

    private readonly PostgreSqlStore _store;
    private readonly string _hits;
    private readonly string _handOvers;
    private readonly string _contacts;

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store).</summary>
    public PostgreSqlHitStore(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _hits = store.Qualify("tracking_hits");
        _handOvers = store.Qualify("tracking_handovers");
        _contacts = store.Qualify("engagement_contacts");
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _store.MigrateComponentAsync(Component, Steps, cancellationToken);

    /// <inheritdoc />
    public Task InsertAsync(IReadOnlyList<HitRecord> hits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (hits.Count == 0)
        {
            return Task.CompletedTask;
        }

        return RunAsync($"storing {hits.Count} tracking hits", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(InsertHits, connection);
            BindHits(command, hits, HitState.Pending);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task MarkAsync(IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marks);
        if (marks.Count == 0)
        {
            return Task.CompletedTask;
        }

        return RunAsync($"marking {marks.Count} tracking hits", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(MarkHits, connection);
            BindMarks(command, marks);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HitRecord>> PendingAsync(int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return RunAsync<IReadOnlyList<HitRecord>>("reading the pending tracking hits", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"SELECT {HitColumns} FROM {_hits} WHERE state = 0 ORDER BY at LIMIT @max", connection);
            command.Parameters.Add(new NpgsqlParameter<int>("max", max));
            var hits = new List<HitRecord>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                hits.Add(ReadHit(reader, 0));
            }

            return hits;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<HitCounts> CountAsync(string tenant, string? campaign, HitKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return RunAsync($"counting the {kind} hits of {Scope(tenant, campaign)}", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT count(*), count(*) FILTER (WHERE NOT machine), count(DISTINCT contact), count(DISTINCT contact) FILTER (WHERE NOT machine)
                FROM {_hits} WHERE tenant = @t {(campaign is null ? "" : "AND campaign = @c")} AND kind = @k
                """, connection);
            BindScope(command, tenant, campaign);
            command.Parameters.Add(new NpgsqlParameter<short>("k", (short)kind));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return new HitCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task UpsertContactsAsync(IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        if (contacts.Count == 0)
        {
            return Task.CompletedTask;
        }

        return RunAsync($"storing the statuses of {contacts.Count} contacts", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(UpsertContacts, connection);
            BindContacts(command, contacts);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<(string Tenant, string Contact)>> DueForRescoreAsync(
        DateTimeOffset now, TimeSpan activeWindow, TimeSpan newWindow, TimeSpan dormantAfter, int max, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<(string, string)>>("finding the contacts due to be scored again", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT tenant, contact FROM {_contacts}
                WHERE (status = 'active' AND last_activity < @active)
                   OR (status = 'new' AND first_seen < @new)
                   OR (status <> 'dormant' AND coalesce(last_activity, first_seen) <= @dormant)
                LIMIT @max
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<long>("active", (now - activeWindow).ToUnixTimeSeconds()));
            command.Parameters.Add(new NpgsqlParameter<long>("new", (now - newWindow).ToUnixTimeSeconds()));
            command.Parameters.Add(new NpgsqlParameter<long>("dormant", (now - dormantAfter).ToUnixTimeSeconds()));
            command.Parameters.Add(new NpgsqlParameter<int>("max", max));
            var due = new List<(string, string)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                due.Add((reader.GetString(0), reader.GetString(1)));
            }

            return due;
        }, cancellationToken);

    /// <summary>Inserts the hits of the array parameters (see <see cref="BindHits"/>), skipping ids already stored.</summary>
    private string InsertHits => $"""
        INSERT INTO {_hits} (id, tenant, campaign, contact, kind, link_index, target, at, issued_at, ip, user_agent, machine, reason, state)
        SELECT * FROM unnest(@id, @tenant, @campaign, @contact, @kind, @link, @target, @at, @issued, @ip, @ua, @machine, @reason, @state)
        ON CONFLICT (id) DO NOTHING
        """;

    /// <summary>Sets state and classification from the arrays of <see cref="BindMarks"/>.</summary>
    private string MarkHits => $"""
        UPDATE {_hits} h SET state = u.state, machine = u.machine, reason = u.reason
        FROM unnest(@mark_id, @mark_state, @mark_machine, @mark_reason) AS u (id, state, machine, reason) WHERE h.id = u.id
        """;

    /// <summary>Inserts or replaces the contact statuses of the arrays of <see cref="BindContacts"/>.</summary>
    private string UpsertContacts => $"""
        INSERT INTO {_contacts} (tenant, contact, status, last_activity, first_seen)
        SELECT * FROM unnest(@contact_tenant, @contact_address, @contact_status, @contact_last, @contact_first)
        ON CONFLICT (tenant, contact) DO UPDATE SET status = excluded.status, last_activity = excluded.last_activity, first_seen = excluded.first_seen
        """;

    /// <summary>Binds the hits as one array per column. Opens and clicks get <paramref name="handOverState"/>, other kinds
    /// (which need no grain) <see cref="HitState.Applied"/>. A repeated id keeps its first row, as SQLite's INSERT OR IGNORE.</summary>
    private static void BindHits(NpgsqlCommand command, IReadOnlyList<HitRecord> hits, HitState handOverState)
    {
        var seen = new HashSet<Guid>(hits.Count);
        var rows = hits.Where(h => seen.Add(h.Id)).ToList();
        var n = rows.Count;
        var (id, tenant, campaign, contact) = (new Guid[n], new string[n], new string[n], new string[n]);
        var (kind, link, target, at, issued) = (new short[n], new int[n], new string?[n], new long[n], new long[n]);
        var (ip, ua, machine, reason, state) = (new string?[n], new string?[n], new bool[n], new string?[n], new short[n]);
        for (var i = 0; i < n; i++)
        {
            var h = rows[i];
            (id[i], tenant[i], campaign[i], contact[i]) = (h.Id, h.Tenant, h.CampaignId, h.Contact);
            (kind[i], link[i], target[i], at[i], issued[i]) = ((short)h.Kind, h.LinkIndex, h.Target, h.At.ToUnixTimeMilliseconds(), h.IssuedAt.ToUnixTimeSeconds());
            (ip[i], ua[i], machine[i], reason[i]) = (h.Ip, h.UserAgent, h.Machine, h.Reason);
            state[i] = (short)(h.Kind is HitKind.Open or HitKind.Click ? handOverState : HitState.Applied);
        }

        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid[]>("id", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = id });
        p.Add(Texts("tenant", tenant));
        p.Add(Texts("campaign", campaign));
        p.Add(Texts("contact", contact));
        p.Add(new NpgsqlParameter<short[]>("kind", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = kind });
        p.Add(new NpgsqlParameter<int[]>("link", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = link });
        p.Add(Texts("target", target));
        p.Add(new NpgsqlParameter<long[]>("at", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = at });
        p.Add(new NpgsqlParameter<long[]>("issued", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = issued });
        p.Add(Texts("ip", ip));
        p.Add(Texts("ua", ua));
        p.Add(new NpgsqlParameter<bool[]>("machine", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = machine });
        p.Add(Texts("reason", reason));
        p.Add(new NpgsqlParameter<short[]>("state", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = state });
    }

    /// <summary>Binds the marks as arrays; of marks of one id the last wins, as when SQLite applies them in order.</summary>
    private static void BindMarks(NpgsqlCommand command, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks)
    {
        var last = new Dictionary<Guid, (HitState State, bool Machine, string? Reason)>(marks.Count);
        foreach (var mark in marks)
        {
            last[mark.Id] = (mark.State, mark.Machine, mark.Reason);
        }

        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid[]>("mark_id", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. last.Keys] });
        p.Add(new NpgsqlParameter<short[]>("mark_state", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = [.. last.Values.Select(v => (short)v.State)] });
        p.Add(new NpgsqlParameter<bool[]>("mark_machine", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = [.. last.Values.Select(v => v.Machine)] });
        p.Add(Texts("mark_reason", [.. last.Values.Select(v => v.Reason)]));
    }

    /// <summary>Binds the contact statuses as arrays; of statuses of one contact the last wins, as when SQLite upserts them
    /// in order (PostgreSQL refuses to change one row twice in a statement).</summary>
    private static void BindContacts(NpgsqlCommand command, IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts)
    {
        var last = new Dictionary<(string, string), EngagementSummary>(contacts.Count);
        foreach (var (tenant, contact, summary) in contacts)
        {
            last[(tenant, contact)] = summary;
        }

        var p = command.Parameters;
        p.Add(Texts("contact_tenant", [.. last.Keys.Select(k => k.Item1)]));
        p.Add(Texts("contact_address", [.. last.Keys.Select(k => k.Item2)]));
        p.Add(Texts("contact_status", [.. last.Values.Select(s => s.Status)]));
        p.Add(new NpgsqlParameter<long?[]>("contact_last", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            TypedValue = [.. last.Values.Select(s => LastActivity(s)?.ToUnixTimeSeconds())],
        });
        p.Add(new NpgsqlParameter<long[]>("contact_first", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            TypedValue = [.. last.Values.Select(s => s.FirstSeenAt.ToUnixTimeSeconds())],
        });
    }

    private static DateTimeOffset? LastActivity(EngagementSummary summary) => (summary.LastOpenAt, summary.LastClickAt) switch
    {
        (null, null) => null,
        ({ } o, null) => o,
        (null, { } k) => k,
        ({ } o, { } k) => o > k ? o : k,
    };

    private static NpgsqlParameter<string?[]> Texts(string name, string?[] values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = values };

    /// <summary>The hit in the <see cref="HitColumns"/> starting at <paramref name="first"/>.</summary>
    private static HitRecord ReadHit(NpgsqlDataReader r, int first) => new(
        r.GetGuid(first), (HitKind)r.GetInt16(first + 1), r.GetString(first + 2), r.GetString(first + 3), r.GetString(first + 4), r.GetInt32(first + 5),
        r.IsDBNull(first + 6) ? null : r.GetString(first + 6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(first + 7)),
        DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(first + 8)), r.IsDBNull(first + 9) ? null : r.GetString(first + 9),
        r.IsDBNull(first + 10) ? null : r.GetString(first + 10), r.GetBoolean(first + 11), r.IsDBNull(first + 12) ? null : r.GetString(first + 12));

    private static string Scope(string tenant, string? campaign) =>
        campaign is null ? $"tenant '{tenant}'" : $"campaign '{campaign}' of tenant '{tenant}'";

    private static void BindScope(NpgsqlCommand command, string tenant, string? campaign)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        if (campaign is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("c", campaign));
        }
    }

    /// <summary>Runs database work with the store's error handling; every operation of this store is a read or a write
    /// that is safe to repeat, so a broken connection is replaced and the work run once more.</summary>
    private Task<T> RunAsync<T>(string operation, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _store.RunAsync(operation, repeatable: true, work, static (connection, work, ct) => work(connection, ct), cancellationToken);
}
