namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteStorageOptionsTests
{
    public static TheoryData<Action<SqliteStorageOptions>, string> BadOptions => new()
    {
        { o => o.DatabasePath = null, "Storage:Sqlite:DatabasePath is not set; set MAILMESH__STORAGE__SQLITE__DATABASEPATH" },
        { o => o.DatabasePath = "  ", "Storage:Sqlite:DatabasePath is not set" },
        { o => o.DatabasePath = ":memory:", "is not a file path" },
        { o => o.DatabasePath = "a\0b", "contains characters that are not allowed" },
        { o => o.BusyTimeout = TimeSpan.Zero, "MAILMESH__STORAGE__SQLITE__BUSYTIMEOUT" },
        { o => o.EventPollInterval = TimeSpan.FromHours(2), "MAILMESH__STORAGE__SQLITE__EVENTPOLLINTERVAL" },
        { o => o.MaxReadConnections = 0, "MAILMESH__STORAGE__SQLITE__MAXREADCONNECTIONS" },
        { o => o.MaxDatabaseSizeBytes = 1000, "MAILMESH__STORAGE__SQLITE__MAXDATABASESIZEBYTES" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_BadValue_FailsSayingWhichSettingAndHowToFixIt(Action<SqliteStorageOptions> spoil, string expected)
    {
        var options = new SqliteStorageOptions { DatabasePath = "/tmp/mailmesh.db" };
        spoil(options);

        var result = new SqliteStorageOptionsValidator().Validate(null, options);
        var constructor = Assert.Throws<ArgumentException>(() => new SqliteStore(options));

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, constructor.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_WithPath_Succeed()
    {
        var result = new SqliteStorageOptionsValidator().Validate(null, new SqliteStorageOptions { DatabasePath = "mailmesh.db" });

        Assert.True(result.Succeeded);
    }
}
