using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite;

/// <summary>Durable reminders in the <c>reminders</c> table of a <see cref="SqliteStore"/>.</summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private readonly SqliteStore _store;

    /// <summary>Creates the table over <paramref name="store"/> (which it does not own).</summary>
    public SqliteReminderTable(SqliteStore store)
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

        var entry = new ReminderEntry(grain, name, firstDue, period, Text.NewETag());
        return _store.ExecuteWriteAsync($"saving reminder '{name}' of {grain}", entry, static (writer, e) =>
        {
            writer.UpsertReminder
                .Bind(0, e.Grain.Type).Bind(1, e.Grain.Key).Bind(2, e.Name)
                .Bind(3, Text.Time(e.FirstDue)).Bind(4, e.Period.Ticks).Bind(5, e.ETag)
                .Execute();
            return e;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(GrainId grain, string name, CancellationToken cancellationToken = default)
    {
        StorageArguments.Grain(grain, nameof(grain));
        StorageArguments.Name(name, "reminder name", nameof(name));
        return _store.ExecuteWriteAsync($"removing reminder '{name}' of {grain}", (grain, name), static (writer, args) =>
            writer.DeleteReminder.Bind(0, args.grain.Type).Bind(1, args.grain.Key).Bind(2, args.name).Execute() > 0,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grain, CancellationToken cancellationToken = default)
    {
        StorageArguments.Grain(grain, nameof(grain));
        return _store.ExecuteReadAsync($"reading the reminders of {grain}", grain, static (reader, g) =>
        {
            using var rows = reader.GrainReminders.Bind(0, g.Type).Bind(1, g.Key).Query();
            return ReadEntries(rows);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _store.ExecuteReadAsync("reading all reminders", 0, static (reader, _) =>
        {
            using var rows = reader.AllReminders.Query();
            return ReadEntries(rows);
        }, cancellationToken);

    private static IReadOnlyList<ReminderEntry> ReadEntries(SqliteDataReader rows)
    {
        var entries = new List<ReminderEntry>();
        while (rows.Read())
        {
            var grain = new GrainId(rows.GetString(0), rows.GetString(1));
            var name = rows.GetString(2);
            entries.Add(new ReminderEntry(
                grain,
                name,
                Text.ParseTime(rows.GetString(3), $"first_due of reminder '{name}' of {grain}"),
                TimeSpan.FromTicks(rows.GetInt64(4)),
                rows.GetString(5)));
        }

        return entries;
    }
}
