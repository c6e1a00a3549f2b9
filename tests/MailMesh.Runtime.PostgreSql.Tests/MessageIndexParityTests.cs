using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.PostgreSql;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>The same index operations against the SQLite index (the reference) and the PostgreSQL one: both must give
/// the same answers.</summary>
public abstract class MessageIndexParityTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 20, 9, 30, 15, TimeSpan.FromHours(2));

    private IMessageIndex? _index;

    /// <summary>The index under test (a test skips here when its server is not running).</summary>
    protected IMessageIndex Index
    {
        get
        {
            RequireServer();
            return _index ?? throw new InvalidOperationException("The index is created in InitializeAsync.");
        }

        set => _index = value;
    }

    protected virtual void RequireServer()
    {
    }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    private static IndexedMessage Message(string folderId, uint uid, string flags = "", string? from = "Alice <alice@example.test>",
        string? subject = "Hello", DateTimeOffset? date = null, string mailbox = "acme/box", uint uidValidity = 7) =>
        new(mailbox, folderId, folderId.ToUpperInvariant(), uidValidity, uid, flags, from, "bob@example.test", subject, date ?? Day.AddMinutes(uid),
            100 + uid, $"m{uid}@example.test", null, null, $"blobs/{folderId}/{uid}", 10 + uid, null);

    [SkippableFact]
    public async Task UpsertAsync_ThenList_RoundTripsEveryFieldAndReplacesOnRepeat()
    {
        var odd = Message("inbox", 1, "\\Seen", date: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(-210)).AddTicks(1234567)) with { SourceId = "uidl-1", InReplyTo = "a@x", References = "a@x b@y" };
        var undated = Message("inbox", 2) with { Date = null, From = null, Subject = null };
        await Index.UpsertAsync([odd, undated, Message("archive", 1)]);
        await Index.UpsertAsync([odd with { Flags = "\\Flagged \\Seen" }]);

        var inbox = await Index.ListAsync("acme/box", "INBOX");

        Assert.Equal([odd with { Flags = "\\Flagged \\Seen" }, undated], inbox);
        Assert.Equal(odd.Date!.Value.Offset, inbox[0].Date!.Value.Offset);
        Assert.Equal(3, await Index.CountAsync("acme/box"));
        Assert.Equal(["ARCHIVE", "INBOX", "INBOX"], (await Index.ListAsync("acme/box")).Select(m => m.Folder));
    }

    [SkippableFact]
    public async Task UpdateFlagsAndDelete_ChangeOnlyTheNamedRows()
    {
        await Index.UpsertAsync([Message("inbox", 1), Message("inbox", 2), Message("inbox", 3), Message("inbox", 4, uidValidity: 8)]);

        await Index.UpdateFlagsAsync("acme/box", "inbox", 7, [(1, "\\Seen", 50), (2, "\\Deleted", 5)]);
        await Index.DeleteAsync("acme/box", "inbox", 7, [3]);

        var flags = await Index.GetFlagsAsync("acme/box", "inbox", 7);
        Assert.Equal(new Dictionary<uint, (string, ulong)> { [1] = ("\\Seen", 50), [2] = ("\\Deleted", 12) }, flags);
        await Index.DeleteFolderAsync("acme/box", "inbox", keepUidValidity: 8);
        Assert.Equal([4u], (await Index.ListAsync("acme/box")).Select(m => m.Uid));
        await Index.RenameFolderAsync("acme/box", "inbox", "Posteingang");
        Assert.Equal("Posteingang", Assert.Single(await Index.ListAsync("acme/box")).Folder);
        Assert.Equal(1, await Index.DeleteMailboxAsync("acme/box"));
        Assert.Equal(0, await Index.CountAsync("acme/box"));
    }

    [SkippableFact]
    public async Task SearchAsync_CriteriaAndPaging_MatchTheReference()
    {
        await Index.UpsertAsync([
            Message("inbox", 1, "\\Seen", from: "ALICE <a@example.test>", subject: "Quarterly REPORT"),
            Message("inbox", 2, "\\Seen \\Flagged", subject: "report draft"),
            Message("inbox", 3, "", from: "Zoë <z@example.test>", subject: "Lunch"),
            Message("archive", 3, "\\Seen", subject: "old report", date: Day.AddMinutes(3)),
            Message("inbox", 4, "$Label1", date: null) with { Date = null },
            Message("inbox", 5, "\\Seen", mailbox: "acme/other"),
        ]);

        var reports = await Index.SearchAsync("acme/box", new IndexSearch(10, Subject: "rEpOrT"));
        var seenNotFlagged = await Index.SearchAsync("acme/box", new IndexSearch(10, WithFlags: ["\\seen"], WithoutFlags: ["\\FLAGGED"]));
        var fromAlice = await Index.SearchAsync("acme/box", new IndexSearch(10, From: "alice"));
        var range = await Index.SearchAsync("acme/box", new IndexSearch(10, Since: Day.AddMinutes(2), Before: Day.AddMinutes(4)));
        var one = await Index.SearchAsync("acme/box", new IndexSearch(10, FolderId: "inbox", Uid: 3));

        Assert.Equal([("archive", 3u), ("inbox", 2u), ("inbox", 1u)], reports.Rows.Select(r => (r.FolderId, r.Uid)));
        Assert.Equal([("archive", 3u), ("inbox", 1u)], seenNotFlagged.Rows.Select(r => (r.FolderId, r.Uid)));
        Assert.Equal([("archive", 3u), ("inbox", 2u), ("inbox", 1u), ("inbox", 4u)], fromAlice.Rows.Select(r => (r.FolderId, r.Uid)));
        Assert.Equal([("archive", 3u), ("inbox", 3u), ("inbox", 2u)], range.Rows.Select(r => (r.FolderId, r.Uid)));
        Assert.Equal("Lunch", Assert.Single(one.Rows).Subject);
        Assert.Null(reports.Next);

        var pages = new List<(string, uint)>();
        IndexSearchKey? after = null;
        do
        {
            var page = await Index.SearchAsync("acme/box", new IndexSearch(2, After: after));
            Assert.InRange(page.Rows.Count, 1, 2);
            pages.AddRange(page.Rows.Select(r => (r.FolderId, r.Uid)));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal([("archive", 3u), ("inbox", 3u), ("inbox", 2u), ("inbox", 1u), ("inbox", 4u)], pages);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Index.SearchAsync("acme/box", new IndexSearch(0)));
    }

    [SkippableFact]
    public async Task UpdateLabelsAsync_MergesTagsKeepsThemOnUpsertAndSearchFindsThem()
    {
        await Index.UpsertAsync([Message("inbox", 1), Message("inbox", 2), Message("inbox", 3) with { Tags = "vip", Priority = "low" }]);

        Assert.True(await Index.UpdateLabelsAsync("acme/box", "inbox", 7, 1, ["billing", " Key Account "], "high"));
        Assert.True(await Index.UpdateLabelsAsync("acme/box", "inbox", 7, 1, ["BILLING", "urgent"], null));
        Assert.False(await Index.UpdateLabelsAsync("acme/box", "inbox", 7, 99, ["billing"], "low"));
        await Index.UpsertAsync([Message("inbox", 1, "\\Seen"), Message("inbox", 3)]);

        var rows = await Index.ListAsync("acme/box", "INBOX");
        Assert.Equal([("Key-Account billing urgent", "high", "\\Seen"), ("", null, ""), ("vip", "low", "")], rows.Select(r => (r.Tags, r.Priority, r.Flags)));
        var billing = await Index.SearchAsync("acme/box", new IndexSearch(10, Tag: "Billing"));
        var high = await Index.SearchAsync("acme/box", new IndexSearch(10, Priority: "high"));
        var partial = await Index.SearchAsync("acme/box", new IndexSearch(10, Tag: "bill"));
        Assert.Equal([1u], billing.Rows.Select(r => r.Uid));
        Assert.Equal([1u], high.Rows.Select(r => r.Uid));
        Assert.Empty(partial.Rows);
    }
}

public sealed class SqliteMessageIndexParityTests : MessageIndexParityTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-index-parity-" + Guid.NewGuid().ToString("N"));

    public override async Task InitializeAsync()
    {
        Index = new SqliteMessageIndex(Path.Combine(_directory, "index.db"));
        await Index.InitializeAsync();
    }

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgreSqlMessageIndexParityTests : MessageIndexParityTests
{
    private PostgreSqlStore? _store;

    public override async Task InitializeAsync()
    {
        if (!TestServers.IsReachable(Server.Postgres) && !TestServers.Required)
        {
            return;
        }

        _store = await PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(PostgreSqlBackend.NewSchema()));
        Index = new PostgreSqlMessageIndex(_store);
        await Index.InitializeAsync();
        await Index.InitializeAsync();
    }

    protected override void RequireServer() => TestServers.Require(Server.Postgres);

    public override async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            await PostgreSqlBackend.DropSchemaAsync(_store.Schema);
        }
    }
}
