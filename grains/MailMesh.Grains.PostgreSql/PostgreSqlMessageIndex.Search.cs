using System.Globalization;
using System.Text;
using MailMesh.Grains.Mailboxes.Sync;
using Npgsql;

namespace MailMesh.Grains.PostgreSql;

/// <summary>Search and mailbox deletion, matching <see cref="SqliteMessageIndex"/>: ASCII case-insensitive text
/// matches, whole-word flag matches, newest first by Unix seconds, then folder id (binary order), UIDVALIDITY and UID
/// descending. Every value is a parameter; only the number of flag terms shapes the SQL.</summary>
public sealed partial class PostgreSqlMessageIndex
{
    private const string Ts = "COALESCE(floor(extract(epoch FROM date))::bigint, 0)";

    /// <summary>ASCII-only lower case (as SQLite's lower()), whatever the database's locale.</summary>
    private static string Lower(string expression) =>
        $"translate({expression}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

    /// <inheritdoc />
    public Task<IndexSearchPage> SearchAsync(string mailbox, IndexSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        ArgumentNullException.ThrowIfNull(search);
        ArgumentOutOfRangeException.ThrowIfLessThan(search.Limit, 1, nameof(search.Limit));
        var parameters = new List<NpgsqlParameter> { new NpgsqlParameter<string>("m", mailbox) };
        var sql = new StringBuilder($"SELECT * FROM (SELECT {Columns}, {Ts} AS ts FROM {_table} WHERE mailbox = @m) AS x WHERE true");
        Add(parameters, sql, "folder_id = @fid", new NpgsqlParameter<string>("fid", search.FolderId!), search.FolderId is not null);
        Add(parameters, sql, "uid = @uid", new NpgsqlParameter<long>("uid", search.Uid ?? 0), search.Uid is not null);
        Add(parameters, sql, $"strpos({Lower("COALESCE(from_addr, '')")}, {Lower("@from")}) > 0", new NpgsqlParameter<string>("from", search.From!), search.From is not null);
        Add(parameters, sql, $"strpos({Lower("COALESCE(subject, '')")}, {Lower("@subject")}) > 0", new NpgsqlParameter<string>("subject", search.Subject!), search.Subject is not null);
        Add(parameters, sql, "ts >= @since", new NpgsqlParameter<long>("since", search.Since?.ToUnixTimeSeconds() ?? 0), search.Since is not null);
        Add(parameters, sql, "ts < @before", new NpgsqlParameter<long>("before", search.Before?.ToUnixTimeSeconds() ?? 0), search.Before is not null);
        Add(parameters, sql, $"strpos(' ' || {Lower("tags")} || ' ', ' ' || {Lower("@tag")} || ' ') > 0",
            new NpgsqlParameter<string>("tag", search.Tag is null ? "" : TagText.Normalize(search.Tag) ?? ""), search.Tag is not null);
        Add(parameters, sql, "priority = @priority", new NpgsqlParameter<string>("priority", search.Priority!), search.Priority is not null);
        AddFlags(parameters, sql, search.WithFlags, "with", "> 0");
        AddFlags(parameters, sql, search.WithoutFlags, "without", "= 0");
        if (search.After is { } after)
        {
            sql.Append(" AND (ts < @ats OR (ts = @ats AND (folder_id COLLATE \"C\" > @afid OR (folder_id = @afid AND (uidvalidity < @auv OR (uidvalidity = @auv AND uid < @auid))))))");
            parameters.Add(new NpgsqlParameter<long>("ats", after.DateSeconds));
            parameters.Add(new NpgsqlParameter<string>("afid", after.FolderId));
            parameters.Add(new NpgsqlParameter<long>("auv", after.UidValidity));
            parameters.Add(new NpgsqlParameter<long>("auid", after.Uid));
        }

        sql.Append(" ORDER BY ts DESC, folder_id COLLATE \"C\" ASC, uidvalidity DESC, uid DESC LIMIT @limit");
        parameters.Add(new NpgsqlParameter<long>("limit", (long)search.Limit + 1));
        return _store.RunAsync($"searching the messages of {mailbox}", repeatable: true, (Sql: sql.ToString(), parameters, search.Limit), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            foreach (var parameter in args.parameters)
            {
                command.Parameters.Add(parameter.Clone());
            }

            var keys = new List<long>();
            var rows = await ReadRowsAsync(command, keys, ct).ConfigureAwait(false);
            if (rows.Count <= args.Limit)
            {
                return new IndexSearchPage(rows, null);
            }

            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            return new IndexSearchPage(rows, new IndexSearchKey(keys[rows.Count - 1], last.FolderId, last.UidValidity, last.Uid));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> DeleteMailboxAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        return _store.RunAsync($"deleting the index rows of {mailbox}", repeatable: true, (Sql: $"DELETE FROM {_table} WHERE mailbox = @m", mailbox), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("m", args.mailbox));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    private static void Add(List<NpgsqlParameter> parameters, StringBuilder sql, string condition, NpgsqlParameter parameter, bool present)
    {
        if (!present)
        {
            return;
        }

        sql.Append(" AND ").Append(condition);
        parameters.Add(parameter);
    }

    private static void AddFlags(List<NpgsqlParameter> parameters, StringBuilder sql, IReadOnlyList<string>? flags, string prefix, string test)
    {
        for (var i = 0; i < (flags?.Count ?? 0); i++)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(" AND strpos(' ' || ").Append(Lower("flags")).Append(" || ' ', ' ' || ").Append(Lower("@" + name)).Append(" || ' ') ").Append(test);
            parameters.Add(new NpgsqlParameter<string>(name, flags![i]));
        }
    }
}
