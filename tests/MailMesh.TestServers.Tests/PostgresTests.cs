using MailMesh.Testing;
using Npgsql;

namespace MailMesh.SmokeTests;

public sealed class PostgresTests
{
    [ServerFact(Server.Postgres)]
    public async Task SelectVersion_OnTestServer_ReturnsPostgres15()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestServers.PostgresConnectionString);
        await using var command = dataSource.CreateCommand("SELECT version()");

        var version = (string?)await command.ExecuteScalarAsync(TestContext.Timeout());

        Assert.NotNull(version);
        Assert.StartsWith("PostgreSQL 15.", version, StringComparison.Ordinal);
    }

    [ServerFact(Server.Postgres)]
    public async Task CreateDatabase_AsTestUser_CanConnectToItAndDropIt()
    {
        var ct = TestContext.Timeout();
        var name = "mm_smoke_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(TestServers.PostgresConnectionString);
        await using (var create = dataSource.CreateCommand($"CREATE DATABASE {name}"))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(TestServers.PostgresConnectionString) { Database = name, Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'x'); SELECT v FROM t WHERE id = 1", connection);

            Assert.Equal("x", await command.ExecuteScalarAsync(ct));
        }
        finally
        {
            await using var drop = dataSource.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync(ct);
        }
    }
}
