using MailMesh.Runtime.PostgreSql.Internal;
using MailMesh.Runtime.Storage;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>Durable reminders in the <c>reminders</c> table of a <see cref="PostgreSqlStore"/>.</summary>
public sealed class PostgreSqlReminderTable : IReminderTable
{
    private readonly PostgreSqlStore _store;

    /// <summary>Creates the table over <paramref name="store"/> (which it does not own).</summary>
    public PostgreSqlReminderTable(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task<ReminderEntry> UpsertAsync(GrainId grain, string name, DateTimeOffset firstDue, TimeSpan period, CancellationToken cancellationToken = default)
    {
        StorageArguments.Grain(grain, nameof(grain));
        StorageArguments.Name(name, "reminder name", nameof(name));
        if (period < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"The period of reminder '{name}' of {grain} is {period}; it must be at least one second.");
        }

        var entry = new ReminderEntry(grain, name, firstDue, period, Guid.NewGuid().ToString("N"));
        return _store.ExecuteAsync($"saving reminder '{name}' of {grain}", Repeat.FencedWrite, (Store: _store, Entry: entry), static async (connection, args, ct) =>
        {
            var e = args.Entry;
            var due = StoredTime.From(e.FirstDue);
            await using var command = new NpgsqlCommand(args.Store.Sql.UpsertReminder, connection);
            AddKey(command, e.Grain, e.Name);
            command.Parameters.Add(new NpgsqlParameter<DateTime>("due", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = due.Utc });
            command.Parameters.Add(new NpgsqlParameter<short>("dueTicks", due.Ticks));
            command.Parameters.Add(new NpgsqlParameter<short>("dueOffset", due.OffsetMinutes));
            command.Parameters.Add(new NpgsqlParameter<long>("period", e.Period.Ticks));
            command.Parameters.Add(new NpgsqlParameter<string>("etag", e.ETag));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return e;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(GrainId grain, string name, CancellationToken cancellationToken = default)
    {
        StorageArguments.Grain(grain, nameof(grain));
        StorageArguments.Name(name, "reminder name", nameof(name));
        return _store.ExecuteAsync($"removing reminder '{name}' of {grain}", Repeat.Write, (Store: _store, grain, name), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.DeleteReminder, connection);
            AddKey(command, args.grain, args.name);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grain, CancellationToken cancellationToken = default)
    {
        StorageArguments.Grain(grain, nameof(grain));
        return _store.ExecuteAsync($"reading the reminders of {grain}", Repeat.Read, (Store: _store, grain), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.SelectGrainReminders, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("type", args.grain.Type));
            command.Parameters.Add(new NpgsqlParameter<string>("key", args.grain.Key));
            return (IReadOnlyList<ReminderEntry>)await PostgreSqlStore.ReadListAsync(command, ReadEntry, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _store.ExecuteAsync("reading all reminders", Repeat.Read, _store, static async (connection, store, ct) =>
        {
            await using var command = new NpgsqlCommand(store.Sql.SelectAllReminders, connection);
            return (IReadOnlyList<ReminderEntry>)await PostgreSqlStore.ReadListAsync(command, ReadEntry, ct).ConfigureAwait(false);
        }, cancellationToken);

    private static ReminderEntry ReadEntry(NpgsqlDataReader row) => new(
        new GrainId(row.GetString(0), row.GetString(1)),
        row.GetString(2),
        new StoredTime(row.GetDateTime(3), row.GetInt16(4), row.GetInt16(5)).ToDateTimeOffset(),
        TimeSpan.FromTicks(row.GetInt64(6)),
        row.GetString(7));

    private static void AddKey(NpgsqlCommand command, GrainId grain, string name)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("type", grain.Type));
        command.Parameters.Add(new NpgsqlParameter<string>("key", grain.Key));
        command.Parameters.Add(new NpgsqlParameter<string>("name", name));
    }
}
