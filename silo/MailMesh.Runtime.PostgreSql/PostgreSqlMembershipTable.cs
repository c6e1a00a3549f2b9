using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql.Internal;
using MailMesh.Runtime.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>The membership table in the <c>membership</c> table of a <see cref="PostgreSqlStore"/>. Every change is one
/// statement, so silos that run <see cref="DeclareDeadAsync"/> at the same moment declare each death once, and a
/// silo declared dead cannot heartbeat itself back to life. Times come from the store's <see cref="TimeProvider"/>.</summary>
public sealed class PostgreSqlMembershipTable : IMembershipTable
{
    private const int MaxAddressLength = 200;
    private readonly PostgreSqlStore _store;

    /// <summary>Creates the table over <paramref name="store"/> (which it does not own).</summary>
    public PostgreSqlMembershipTable(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>How old a heartbeat may be before <see cref="DeclareDeadAsync"/> declares its silo dead
    /// (<see cref="PostgreSqlStorageOptions.MemberDeathTimeout"/>).</summary>
    public TimeSpan DeathTimeout => _store.Options.MemberDeathTimeout;

    /// <inheritdoc />
    public async Task<MembershipEntry> RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken = default)
    {
        StorageArguments.Name(siloId, "silo id", nameof(siloId));
        if (string.IsNullOrWhiteSpace(address) || address.Length > MaxAddressLength || address.Any(char.IsControl))
        {
            throw new ArgumentException($"The address '{address}' of silo '{siloId}' must be 1-{MaxAddressLength} characters without control characters, e.g. 10.0.0.7:5081.", nameof(address));
        }

        var now = _store.TimeProvider.GetUtcNow();
        var registered = await _store.ExecuteAsync($"registering silo '{siloId}'", Repeat.Write, (Store: _store, siloId, address, startedAt, now), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.RegisterMember, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("silo", args.siloId));
            command.Parameters.Add(new NpgsqlParameter<string>("address", args.address));
            command.Parameters.Add(Time("started", args.startedAt));
            command.Parameters.Add(Time("now", args.now));
            return await ReadOneAsync(command, args.Store, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (registered is null)
        {
            var status = await ReadStatusAsync(siloId, cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Silo '{siloId}' is already in the membership table (status {status?.ToString() ?? "unknown"}): silo ids must be unique per " +
                "process start. Give this silo a new id (e.g. the host name and a random suffix).");
        }

        return registered;
    }

    /// <inheritdoc />
    public async Task<MembershipEntry> HeartbeatAsync(string siloId, CancellationToken cancellationToken = default)
    {
        StorageArguments.Name(siloId, "silo id", nameof(siloId));
        var now = _store.TimeProvider.GetUtcNow();
        var entry = await _store.ExecuteAsync($"recording a heartbeat of silo '{siloId}'", Repeat.FencedWrite, (Store: _store, siloId, now), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.Heartbeat, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("silo", args.siloId));
            command.Parameters.Add(Time("now", args.now));
            return await ReadOneAsync(command, args.Store, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return entry ?? throw new SiloDeclaredDeadException(siloId, await ReadStatusAsync(siloId, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public Task<MembershipSnapshot> ReadAsync(CancellationToken cancellationToken = default) =>
        _store.ExecuteAsync("reading the membership table", Repeat.Read, _store, static async (connection, store, ct) =>
        {
            await using var command = new NpgsqlCommand(store.Sql.SelectMembers, connection);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            long version = 0;
            var members = new List<MembershipEntry>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                version = reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    members.Add(ReadEntry(reader, 1, store));
                }
            }

            return new MembershipSnapshot(version, members);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MembershipEntry>> DeclareDeadAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = _store.TimeProvider.GetUtcNow() - DeathTimeout;
        return _store.ExecuteAsync("declaring silos without recent heartbeats dead", Repeat.Write, (Store: _store, cutoff), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.DeclareDead, connection);
            command.Parameters.Add(Time("cutoff", args.cutoff));
            return (IReadOnlyList<MembershipEntry>)await PostgreSqlStore.ReadListAsync(command, r => ReadEntry(r, 0, args.Store), ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<MembershipEntry> BeginLeaveAsync(string siloId, CancellationToken cancellationToken = default) =>
        await SetStatusAsync(siloId, MemberStatus.ShuttingDown, [MemberStatus.Active, MemberStatus.ShuttingDown], cancellationToken).ConfigureAwait(false)
        ?? throw new SiloDeclaredDeadException(siloId, await ReadStatusAsync(siloId, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<bool> LeaveAsync(string siloId, CancellationToken cancellationToken = default) =>
        await SetStatusAsync(siloId, MemberStatus.Left, [MemberStatus.Active, MemberStatus.ShuttingDown], cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public Task<int> RemoveDefunctAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero);
        var cutoff = _store.TimeProvider.GetUtcNow() - age;
        return _store.ExecuteAsync("removing silos that left or died", Repeat.FencedWrite, (Store: _store, cutoff), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.RemoveDefunct, connection);
            command.Parameters.Add(Time("cutoff", args.cutoff));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    private Task<MembershipEntry?> SetStatusAsync(string siloId, MemberStatus status, MemberStatus[] from, CancellationToken cancellationToken)
    {
        StorageArguments.Name(siloId, "silo id", nameof(siloId));
        return _store.ExecuteAsync($"marking silo '{siloId}' {status}", Repeat.Write, (Store: _store, siloId, status, from), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.SetMemberStatus, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("silo", args.siloId));
            command.Parameters.Add(new NpgsqlParameter<string>("status", ToText(args.status)));
            command.Parameters.Add(new NpgsqlParameter<string[]>("from", args.from.Select(ToText).ToArray()));
            return await ReadOneAsync(command, args.Store, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    private Task<MemberStatus?> ReadStatusAsync(string siloId, CancellationToken cancellationToken) =>
        _store.ExecuteAsync($"reading the status of silo '{siloId}'", Repeat.Read, (Store: _store, siloId), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.SelectMemberStatus, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("silo", args.siloId));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is string text ? ParseStatus(text, args.siloId, args.Store) : (MemberStatus?)null;
        }, cancellationToken);

    private static async Task<MembershipEntry?> ReadOneAsync(NpgsqlCommand command, PostgreSqlStore store, CancellationToken cancellationToken)
    {
        var rows = await PostgreSqlStore.ReadListAsync(command, r => ReadEntry(r, 0, store), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static MembershipEntry ReadEntry(NpgsqlDataReader row, int first, PostgreSqlStore store)
    {
        var siloId = row.GetString(first);
        return new MembershipEntry(
            siloId,
            row.GetString(first + 1),
            new DateTimeOffset(row.GetDateTime(first + 2)),
            ParseStatus(row.GetString(first + 3), siloId, store),
            new DateTimeOffset(row.GetDateTime(first + 4)),
            row.GetInt64(first + 5));
    }

    private static NpgsqlParameter<DateTime> Time(string name, DateTimeOffset value) =>
        new(name, NpgsqlDbType.TimestampTz) { TypedValue = StoredTime.Microseconds(value) };

    private static string ToText(MemberStatus status) => status switch
    {
        MemberStatus.Active => "active",
        MemberStatus.ShuttingDown => "shutting_down",
        MemberStatus.Left => "left",
        MemberStatus.Dead => "dead",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown silo status."),
    };

    private static MemberStatus ParseStatus(string text, string siloId, PostgreSqlStore store) => text switch
    {
        "active" => MemberStatus.Active,
        "shutting_down" => MemberStatus.ShuttingDown,
        "left" => MemberStatus.Left,
        "dead" => MemberStatus.Dead,
        _ => throw store.Malformed($"the status of silo '{siloId}' is '{text}'", "reading the membership table"),
    };
}
