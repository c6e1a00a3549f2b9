using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.PostgreSql.Tests;

public sealed class PostgreSqlStorageOptionsTests
{
    private static PostgreSqlStorageOptions Valid() => new() { ConnectionString = "Host=127.0.0.1;Port=5432;Database=mailmesh;Username=mm" };

    [Fact]
    public void Check_ValidOptions_ReportsNothing()
    {
        Assert.Empty(PostgreSqlStorageOptionsValidator.Check(Valid()));
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("   ", "is not set")]
    [InlineData("Hots=db;Database=x", "not a valid Npgsql connection string")]
    [InlineData("Port=5432;Database=x", "names no Host")]
    [InlineData("Host=db", "neither Database nor Username")]
    public void Check_BadConnectionString_SaysWhatIsWrongAndWhichVariableToSet(string? connectionString, string expected)
    {
        var failure = Assert.Single(PostgreSqlStorageOptionsValidator.Check(new PostgreSqlStorageOptions { ConnectionString = connectionString }));

        Assert.Contains(expected, failure, StringComparison.Ordinal);
        Assert.Contains("MAILMESH__STORAGE__POSTGRESQL__CONNECTIONSTRING", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MailMesh")]
    [InlineData("1abc")]
    [InlineData("mail-mesh")]
    [InlineData("pg_catalog")]
    [InlineData("x\"; DROP TABLE y; --")]
    [InlineData("a_schema_name_that_is_far_too_long_for_a_notify_channel")]
    public void Check_BadSchema_IsRefused(string schema)
    {
        var options = Valid();
        options.Schema = schema;

        var failure = Assert.Single(PostgreSqlStorageOptionsValidator.Check(options));

        Assert.Contains("Storage:PostgreSql:Schema", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TimesOutOfRange_NameEachSetting()
    {
        var options = Valid();
        options.MigrationLockTimeout = TimeSpan.Zero;
        options.EventPollInterval = TimeSpan.FromDays(1);
        options.MemberDeathTimeout = TimeSpan.FromMilliseconds(10);

        var failures = PostgreSqlStorageOptionsValidator.Check(options);

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.Contains("MigrationLockTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EventPollInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MAILMESH__STORAGE__POSTGRESQL__MEMBERDEATHTIMEOUT", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithEveryFailure()
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgreSqlStore(new PostgreSqlStorageOptions { Schema = "Bad" }));

        Assert.Contains("ConnectionString is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("Schema is 'Bad'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_ServerDown_FailsWithTransientErrorNamingTheServer()
    {
        var port = ClosedPort();
        await using var store = new PostgreSqlStore(new PostgreSqlStorageOptions
        {
            ConnectionString = $"Host=127.0.0.1;Port={port};Database=maildb;Username=nobody;Password=x;Timeout=3",
        });

        var error = await Assert.ThrowsAsync<StorageException>(() => store.InitializeAsync());

        Assert.True(error.IsTransient, "an unreachable server must be a transient error (the API answers UNAVAILABLE)");
        Assert.Contains($"127.0.0.1:{port}/maildb is unavailable", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:PostgreSql:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", error.Message, StringComparison.OrdinalIgnoreCase);
        var read = await Assert.ThrowsAsync<StorageException>(() => new PostgreSqlEventLog(store).GetLastSequenceAsync());
        Assert.True(read.IsTransient);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
