using System.Collections.Concurrent;
using System.Text.Json;
using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime.PostgreSql;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Audience.PostgreSql;

/// <summary>The contacts read model in the cluster's PostgreSQL schema, with the same tables and behaviour as
/// <see cref="SqliteContactReadModel"/>: version-fenced rows (a write never replaces a newer row), lists, suppressions,
/// the <c>contact_search</c> row with typed attribute columns, and segment queries. Each write is one transaction; the
/// contact row's lock orders two silos writing one contact.</summary>
public sealed partial class PostgreSqlContactReadModel : IContactReadModel, IContactSegmentStore
{
    private readonly PostgreSqlStore _store;
    private readonly string _contacts;
    private readonly string _lists;
    private readonly string _suppressions;
    private readonly string _slotsTable;
    private readonly string _search;
    private readonly string _overflow;
    private readonly string _members;
    private readonly ConcurrentDictionary<(string Tenant, string Name), AttributeSlot> _slots = new();

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store).</summary>
    public PostgreSqlContactReadModel(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _contacts = store.Qualify("contacts");
        _lists = store.Qualify("contact_lists");
        _suppressions = store.Qualify("contact_suppressions");
        _slotsTable = store.Qualify("contact_slots");
        _search = store.Qualify("contact_search");
        _overflow = store.Qualify("contact_overflow");
        _members = store.Qualify("segment_members");
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _store.MigrateComponentAsync(Component, Steps, cancellationToken);

    /// <inheritdoc />
    public Task UpsertAsync(ContactInfo contact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return _store.RunAsync($"writing the read-model row of {contact.Address}", repeatable: true, (Model: this, Contact: contact),
            static async (connection, args, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                var written = await args.Model.UpsertAsync(connection, transaction, args.Contact, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                if (written is { } slots)
                {
                    foreach (var slot in slots)
                    {
                        args.Model._slots.TryAdd((args.Contact.Tenant, slot.Name), slot);
                    }
                }

                return written is not null;
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task UpsertManyAsync(IReadOnlyList<ContactInfo> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        if (contacts.Count == 0)
        {
            return Task.CompletedTask;
        }

        return _store.RunAsync($"writing {contacts.Count} read-model rows", repeatable: true, (Model: this, Contacts: contacts),
            static async (connection, args, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                var slots = await args.Model.UpsertManyAsync(connection, transaction, args.Contacts, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                foreach (var (tenant, slot) in slots)
                {
                    args.Model._slots.TryAdd((tenant, slot.Name), slot);
                }

                return true;
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string tenant, string address, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(address);
        var sql = $"""
            WITH gone AS (DELETE FROM {_contacts} WHERE tenant = @t AND address = @a RETURNING id),
                l AS (DELETE FROM {_lists} WHERE contact_id IN (SELECT id FROM gone)),
                s AS (DELETE FROM {_suppressions} WHERE contact_id IN (SELECT id FROM gone)),
                o AS (DELETE FROM {_overflow} WHERE contact_id IN (SELECT id FROM gone)),
                v AS (DELETE FROM {_search} WHERE id IN (SELECT id FROM gone))
            DELETE FROM {_members} WHERE tenant = @t AND address = @a
            """;
        return _store.RunAsync($"deleting the read-model row of {address}", repeatable: true, (sql, tenant, address), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
            command.Parameters.Add(new NpgsqlParameter<string>("a", args.address));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long?> GetVersionAsync(string tenant, string address, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"reading the read-model version of {address}", repeatable: true,
            (Sql: $"SELECT version FROM {_contacts} WHERE tenant = @t AND address = @a", tenant, address), static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Sql, connection);
                command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
                command.Parameters.Add(new NpgsqlParameter<string>("a", args.address));
                return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long version ? (long?)version : null;
            }, cancellationToken);

    /// <inheritdoc />
    public Task<long> CountAsync(string tenant, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"counting the contacts of {tenant}", repeatable: true, (Sql: $"SELECT count(*) FROM {_contacts} WHERE tenant = @t", tenant),
            static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Sql, connection);
                command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
                return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ContactSummary>> ListAsync(string tenant, string? list, string? after, int limit, CancellationToken cancellationToken = default)
    {
        var sql = list is null
            ? $"SELECT address, suppressed, role_address, updated_at, version FROM {_contacts} WHERE tenant = @t AND address > @after ORDER BY address LIMIT @l"
            : $"""
              SELECT c.address, c.suppressed, c.role_address, c.updated_at, c.version FROM {_contacts} c
              JOIN {_lists} l ON l.contact_id = c.id AND l.tenant = @t AND l.list = @list
              WHERE c.tenant = @t AND c.address > @after ORDER BY c.address LIMIT @l
              """;
        return _store.RunAsync($"listing the contacts of {tenant}", repeatable: true, (sql, tenant, list, after, limit), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("t", args.tenant));
            command.Parameters.Add(new NpgsqlParameter<string>("after", args.after ?? ""));
            command.Parameters.Add(new NpgsqlParameter<int>("l", args.limit));
            command.Parameters.Add(new NpgsqlParameter("list", NpgsqlDbType.Text) { Value = (object?)args.list ?? DBNull.Value });
            var result = new List<ContactSummary>();
            await using var r = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                result.Add(new ContactSummary(r.GetString(0), r.GetInt16(1) == 0, r.GetInt16(2) != 0, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetInt64(4)));
            }

            return (IReadOnlyList<ContactSummary>)result;
        }, cancellationToken);
    }

    /// <summary>Writes the contact's rows in <paramref name="transaction"/>; returns the slots it used, or null when the
    /// stored row is as new or newer (nothing written).</summary>
    private async Task<List<AttributeSlot>?> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ContactInfo c, CancellationToken ct)
    {
        var upsert = $"""
            INSERT INTO {_contacts} AS existing (tenant, address, version, domain, role_address, suppressed, created_at, updated_at,
                last_open_at, last_click_at, opens, clicks, score, status, attributes)
            VALUES (@t, @a, @v, @d, @role, @sup, @c, @u, @lo, @lc, @o, @k, @s, @st, @attrs)
            ON CONFLICT (tenant, address) DO UPDATE SET version = excluded.version, role_address = excluded.role_address,
                suppressed = excluded.suppressed, updated_at = excluded.updated_at, last_open_at = excluded.last_open_at,
                last_click_at = excluded.last_click_at, opens = excluded.opens, clicks = excluded.clicks, score = excluded.score,
                status = excluded.status, attributes = excluded.attributes
            WHERE excluded.version > existing.version
            RETURNING id
            """;
        long id;
        await using (var command = new NpgsqlCommand(upsert, connection, transaction))
        {
            var p = command.Parameters;
            p.Add(new NpgsqlParameter<string>("t", c.Tenant));
            p.Add(new NpgsqlParameter<string>("a", c.Address));
            p.Add(new NpgsqlParameter<long>("v", c.Version));
            p.Add(new NpgsqlParameter<string>("d", Domain(c.Address)));
            p.Add(new NpgsqlParameter<short>("role", (short)(c.RoleAddress ? 1 : 0)));
            p.Add(new NpgsqlParameter<short>("sup", (short)(c.Mailable ? 0 : 1)));
            p.Add(new NpgsqlParameter<long>("c", c.CreatedAt.ToUnixTimeMilliseconds()));
            p.Add(new NpgsqlParameter<long>("u", c.UpdatedAt.ToUnixTimeMilliseconds()));
            p.Add(new NpgsqlParameter("lo", NpgsqlDbType.Bigint) { Value = c.Engagement.LastOpenAt is { } lo ? lo.ToUnixTimeMilliseconds() : DBNull.Value });
            p.Add(new NpgsqlParameter("lc", NpgsqlDbType.Bigint) { Value = c.Engagement.LastClickAt is { } lc ? lc.ToUnixTimeMilliseconds() : DBNull.Value });
            p.Add(new NpgsqlParameter<long>("o", c.Engagement.Opens));
            p.Add(new NpgsqlParameter<long>("k", c.Engagement.Clicks));
            p.Add(new NpgsqlParameter<double>("s", c.Engagement.Score));
            p.Add(new NpgsqlParameter("st", NpgsqlDbType.Text) { Value = (object?)c.Engagement.Status ?? DBNull.Value });
            p.Add(new NpgsqlParameter<string>("attrs",
                JsonSerializer.Serialize(c.Attributes.ToDictionary(a => a.Key, a => a.Value.ToInvariantString(), StringComparer.Ordinal))));
            if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not long written)
            {
                return null;
            }

            id = written;
        }

        var slots = await SlotsAsync(connection, transaction, c, ct).ConfigureAwait(false);
        await WriteChildrenAsync(connection, transaction, c, id, slots, ct).ConfigureAwait(false);
        return slots;
    }

    private static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..];
}
