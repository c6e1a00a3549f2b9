using MailMesh.Grains.Mailboxes.Sync;
using Microsoft.Data.Sqlite;

namespace MailMesh.Mailboxes.Tests;

/// <summary>An index file written before rules stored tags and priority is migrated in place.</summary>
public sealed class SqliteMessageIndexMigrationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailmesh-index-migration-").FullName;

    [Fact]
    public async Task InitializeAsync_FileWithoutLabelColumns_AddsThemAndKeepsRows()
    {
        var path = Path.Combine(_directory, "index.db");
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The schema of the first version, with one row.
            command.CommandText = """
                CREATE TABLE messages (
                    mailbox TEXT NOT NULL, folder_id TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
                    flags TEXT NOT NULL, from_addr TEXT, to_addr TEXT, subject TEXT, date TEXT, size INTEGER NOT NULL,
                    message_id TEXT, in_reply_to TEXT, refs TEXT, blob_name TEXT NOT NULL, modseq INTEGER NOT NULL, source_id TEXT,
                    PRIMARY KEY (mailbox, folder_id, uidvalidity, uid)) WITHOUT ROWID;
                INSERT INTO messages VALUES ('acme/box', 'f1', 'INBOX', 7, 1, '\Seen', 'a@example.test', NULL, 'Old', NULL, 10, 'm1@x', NULL, NULL, 'b/1', 3, NULL);
                """;
            await command.ExecuteNonQueryAsync();
        }

        var index = new SqliteMessageIndex(path);
        await index.InitializeAsync();
        await index.InitializeAsync();
        var before = Assert.Single(await index.ListAsync("acme/box"));
        var labelled = await index.UpdateLabelsAsync("acme/box", "f1", 7, 1, ["urgent"], "high");
        var after = Assert.Single(await index.ListAsync("acme/box"));

        Assert.Equal(("Old", "", (string?)null), (before.Subject, before.Tags, before.Priority));
        Assert.True(labelled);
        Assert.Equal(("urgent", "high"), (after.Tags, after.Priority));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
