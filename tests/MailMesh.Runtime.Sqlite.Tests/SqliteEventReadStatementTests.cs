using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>The event log's read statements, kept by each reader connection, stay compiled from one read to the next
/// (docs/adr/campaigns-21-limits-without-replanning.md).</summary>
public sealed class SqliteEventReadStatementTests : IDisposable
{
    private const int StatusReprepare = 5;
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("mailmesh.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SelectEvents_EveryShapeRunAgainWithAnotherLimit_IsNotCompiledAgainAndKeepsEachLimit()
    {
        await using (await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath)))
        {
        }

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO event_log (event_id, tenant, type, subject, time, payload) VALUES
                    ('e1', 'acme', 'message.sent', 'acme/spring', '2026-11-22T00:00:00.0000000+00:00', '{}'),
                    ('e2', 'acme', 'message.sent', 'acme/spring', '2026-11-22T00:00:00.0000000+00:00', '{}'),
                    ('e3', 'acme', 'message.sent', 'acme/spring', '2026-11-22T00:00:00.0000000+00:00', '{}');
                """;
            insert.ExecuteNonQuery();
        }

        for (var shape = 0; shape < 8; shape++)
        {
            Assert.Equal(raw.SQLITE_OK, raw.sqlite3_prepare_v3(connection.Handle, Internal.Sql.SelectEvents(shape), raw.SQLITE_PREPARE_PERSISTENT, out var statement, out _));
            using (statement)
            {
                var rows = new List<int>();
                foreach (var limit in new[] { 2, 1, 10 })
                {
                    Bind(statement, "$from", 0);
                    Bind(statement, "$max", limit);
                    Bind(statement, "$tenant", "acme");
                    Bind(statement, "$type", "message");
                    Bind(statement, "$typeLow", "message.");
                    Bind(statement, "$typeHigh", "message/");
                    Bind(statement, "$subject", "acme/spring");
                    var count = 0;
                    while (raw.sqlite3_step(statement) == raw.SQLITE_ROW)
                    {
                        count++;
                    }

                    raw.sqlite3_reset(statement);
                    rows.Add(count);
                }

                Assert.Equal([2, 1, 3], rows);
                Assert.Equal(0, raw.sqlite3_stmt_status(statement, StatusReprepare, 0));
            }
        }
    }

    /// <summary>Binds <paramref name="name"/> where the statement has it (each shape names only its filters).</summary>
    private static void Bind(sqlite3_stmt statement, string name, object value)
    {
        var position = raw.sqlite3_bind_parameter_index(statement, name);
        if (position == 0)
        {
            return;
        }

        var rc = value is string text ? raw.sqlite3_bind_text(statement, position, text) : raw.sqlite3_bind_int64(statement, position, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(raw.SQLITE_OK, rc);
    }
}
