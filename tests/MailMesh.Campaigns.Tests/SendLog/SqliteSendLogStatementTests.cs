using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>The send log's kept statements stay compiled from one run to the next
/// (docs/adr/campaigns-21-limits-without-replanning.md).</summary>
public sealed class SqliteSendLogStatementTests : IDisposable
{
    private const int StatusReprepare = 5;
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-statement-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "campaigns.db");

    [Fact]
    public async Task ListDueSql_RunAgainWithOtherValues_IsNotCompiledAgainAndKeepsEachLimit()
    {
        using (var log = new SqliteSendLog(DatabasePath))
        {
            await log.InitializeAsync();
            await log.EnqueueAsync("acme", "c1", Enumerable.Range(0, 8).Select(i => Plan($"r{i}@example.com", i % 2)).ToArray(), T0);
        }

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        Assert.Equal(raw.SQLITE_OK, raw.sqlite3_prepare_v3(connection.Handle, SqliteSendLog.ListDueSql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out _));
        using (statement)
        {
            var rows = new List<int>();
            foreach (var (shard, limit) in new[] { (0, 3), (1, 2), (1, 100), (0, 1) })
            {
                Bind(statement, "$t", "acme");
                Bind(statement, "$c", "c1");
                Bind(statement, "$shard", shard);
                Bind(statement, "$now", T0.ToUnixTimeMilliseconds());
                Bind(statement, "$limit", limit);
                var count = 0;
                while (raw.sqlite3_step(statement) == raw.SQLITE_ROW)
                {
                    count++;
                }

                raw.sqlite3_reset(statement);
                rows.Add(count);
            }

            Assert.Equal([3, 2, 4, 1], rows);
            Assert.Equal(0, raw.sqlite3_stmt_status(statement, StatusReprepare, 0));
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void Bind(sqlite3_stmt statement, string name, object value)
    {
        var position = raw.sqlite3_bind_parameter_index(statement, name);
        Assert.NotEqual(0, position);
        var rc = value is string text ? raw.sqlite3_bind_text(statement, position, text) : raw.sqlite3_bind_int64(statement, position, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(raw.SQLITE_OK, rc);
    }

    private static PlannedSend Plan(string address, int shard) => new(address, SendId.For("acme", "c1", address), shard, T0);
}
