using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>Schema version 4: the event log's three filter indexes hold no second copy of the sequence, and every read
/// shape is still answered from an index in sequence order.</summary>
public sealed class SqliteEventIndexUpgradeTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("mailmesh.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task OpenAsync_FileAtVersionThree_RebuildsTheFilterIndexesAndKeepsEveryEventReadable()
    {
        Execute(Internal.Schema.CreateVersionTable + string.Concat(Internal.Schema.Migrations.Take(3).Select(m => m.Sql)) + """
            INSERT INTO schema_version (version, description, applied_at)
            VALUES (1, 'v1', '2026-11-22T00:00:00Z'), (2, 'v2', '2026-11-22T00:00:00Z'), (3, 'v3', '2026-11-22T00:00:00Z');
            INSERT INTO event_log (event_id, tenant, type, subject, time, payload) VALUES
                ('6f1c1d2e-0000-4000-8000-000000000001', 'acme', 'message.sent', 'acme/spring', '2026-11-22T00:00:00.0000000+00:00', '{}'),
                ('6f1c1d2e-0000-4000-8000-000000000002', 'beta', 'message.sent', 'beta/spring', '2026-11-22T00:00:00.0000000+00:00', '{}'),
                ('6f1c1d2e-0000-4000-8000-000000000003', 'acme', 'contact.created', 'acme/a@example.com', '2026-11-22T00:00:00.0000000+00:00', '{}'),
                ('6f1c1d2e-0000-4000-8000-000000000004', 'acme', 'message.sent', 'acme/spring', '2026-11-22T00:00:00.0000000+00:00', '{}');
            """);

        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));
        var log = new SqliteEventLog(store);

        var ofTenant = Sequences(await log.ReadAsync(0, 10, new EventFilter("acme")));
        var ofType = Sequences(await log.ReadAsync(0, 10, new EventFilter(TypePrefix: "message")));
        var ofSubject = Sequences(await log.ReadAsync(2, 10, new EventFilter("acme", Subject: "acme/spring")));
        var ofAll = Sequences(await log.ReadAsync(2, 10, new EventFilter("acme", "message.sent", "acme/spring")));

        Assert.Equal(4, store.SchemaVersion);
        Assert.Equal([1L, 3L, 4L], ofTenant);
        Assert.Equal([1L, 2L, 4L], ofType);
        Assert.Equal([4L], ofSubject);
        Assert.Equal([4L], ofAll);
        foreach (var name in new[] { "ix_event_log_tenant_sequence", "ix_event_log_type_sequence", "ix_event_log_tenant_subject_sequence" })
        {
            Assert.DoesNotContain("sequence", IndexColumns(name));
        }
    }

    [Theory]
    [InlineData("tenant = 'acme'", "ix_event_log_tenant_sequence")]
    [InlineData("type = 'message.sent'", "ix_event_log_type_sequence")]
    [InlineData("tenant = 'acme' AND subject = 'acme/spring'", "ix_event_log_tenant_subject_sequence")]
    public async Task ReadPlan_FilterFromASequence_SeeksTheIndexAtTheSequenceWithoutSorting(string filter, string index)
    {
        await (await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath))).DisposeAsync();

        var plan = Plan($"SELECT * FROM event_log WHERE sequence >= 5 AND {filter} ORDER BY sequence LIMIT 10");

        Assert.Contains($"USING INDEX {index}", plan, StringComparison.Ordinal);
        Assert.Contains("rowid>?", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    private static long[] Sequences(IReadOnlyList<EventRecord> events) => events.Select(e => e.Sequence).ToArray();

    private void Execute(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private List<string> IndexColumns(string index)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_index_info('{index}')";
        using var reader = command.ExecuteReader();
        var columns = new List<string>();
        while (reader.Read())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    private string Plan(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join("\n", details);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }
}
