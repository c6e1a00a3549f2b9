using System.Net;
using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>The writer's batches: stored with an open hand-over, closed once the grains counted them; what a crash between
/// the two leaves behind is handed over again.</summary>
public sealed class HandOverTests
{
    private static HitRecord Hit(TrackingSilo silo, HitKind kind, string contact = "jane@example.com", int link = 0)
    {
        var now = silo.Time.GetUtcNow();
        return new HitRecord(Guid.CreateVersion7(now), kind, "acme", "spring", contact, link, kind == HitKind.Click ? "https://shop.example.com/" : null,
            now, now.AddHours(-1), "192.0.2.10", TrackingSilo.Browser, false, null);
    }

    [Fact]
    public async Task Redrive_HandOverACrashLeftOpen_CountsItsHitsOnceAndClosesIt()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        HitRecord[] hits = [Hit(silo, HitKind.Open), Hit(silo, HitKind.Click)];
        // The writer stored the batch, then the process died before any grain turn.
        await silo.Store.StoreForHandOverAsync(hits, silo.Time.GetUtcNow());
        Assert.Single(await silo.Store.OpenHandOversAsync(silo.Time.GetUtcNow(), 10));
        Assert.Empty(await silo.EventsAsync("acme", "message"));

        await silo.Writer.RedriveAsync(TimeSpan.Zero);
        await silo.Writer.RedriveAsync(TimeSpan.Zero);

        Assert.Empty(await silo.Store.OpenHandOversAsync(silo.Time.GetUtcNow(), 10));
        Assert.Single(await silo.EventsAsync("acme", "message.opened"));
        Assert.Single(await silo.EventsAsync("acme", "message.clicked"));
        var contact = await silo.ContactAsync();
        Assert.Equal((1, 1), (contact!.Engagement.Opens, contact.Engagement.Clicks));
        Assert.Equal(new HitCounts(1, 1, 1, 1), await silo.Store.CountAsync("acme", "spring", HitKind.Open));
        Assert.Empty(await silo.Store.PendingAsync(10));
    }

    [Fact]
    public async Task Redrive_HandOverOpenedAfterTheCutoff_IsLeftToTheWriter()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        await silo.Store.StoreForHandOverAsync([Hit(silo, HitKind.Open)], silo.Time.GetUtcNow());

        await silo.Writer.RedriveAsync(TimeSpan.FromMinutes(1));

        Assert.Single(await silo.Store.OpenHandOversAsync(silo.Time.GetUtcNow(), 10));
        Assert.Empty(await silo.EventsAsync("acme", "message"));
    }

    [Fact]
    public async Task Writer_HitsAcrossSeveralBatches_StoresCountsAndClosesEveryOne()
    {
        await using var silo = await TrackingSilo.StartAsync(new Dictionary<string, string?> { ["Tracking:BatchSize"] = "7" });
        await silo.CreateContactAsync();
        await silo.CreateContactAsync("joe@example.com");

        for (var i = 0; i < 50; i++)
        {
            Assert.True(await silo.Queue.EnqueueAsync(Hit(silo, i % 3 == 0 ? HitKind.Click : HitKind.Open, i % 2 == 0 ? "jane@example.com" : "joe@example.com", i % 5)));
        }

        await silo.DrainAsync();

        var opens = await silo.Store.CountAsync("acme", "spring", HitKind.Open);
        var clicks = await silo.Store.CountAsync("acme", "spring", HitKind.Click);
        Assert.Equal(50, opens.Raw + clicks.Raw);
        Assert.Equal(50, (await silo.EventsAsync("acme", "message")).Count);
        Assert.Empty(await silo.Store.OpenHandOversAsync(silo.Time.GetUtcNow(), 10));
        Assert.Empty(await silo.Store.PendingAsync(10));
    }

    [Fact]
    public async Task Writer_HitsOfAContactThatDoesNotExist_AreStoredAsUnknownAndCountNowhere()
    {
        await using var silo = await TrackingSilo.StartAsync();

        Assert.True(await silo.Queue.EnqueueAsync(Hit(silo, HitKind.Open, "gone@example.com")));
        await silo.DrainAsync();

        Assert.Equal(1, (await silo.Store.CountAsync("acme", "spring", HitKind.Open)).Raw);
        Assert.Empty(await silo.EventsAsync("acme", "message"));
        await using var connection = new SqliteConnection($"Data Source={silo.Store.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM tracking_hits";
        Assert.Equal((long)HitState.UnknownContact, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Initialize_StoreOfTheFirstSchema_DropsTheCampaignIndexForTheReportIndexAndKeepsTheHits()
    {
        var path = Path.Combine(Path.GetTempPath(), "mailmesh-engagement-tests", Guid.NewGuid().ToString("N"), "engagement.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE tracking_hits (
                    id BLOB NOT NULL PRIMARY KEY, tenant TEXT NOT NULL, campaign TEXT NOT NULL, contact TEXT NOT NULL, kind INTEGER NOT NULL,
                    link_index INTEGER NOT NULL, target TEXT NULL, at INTEGER NOT NULL, issued_at INTEGER NOT NULL, ip TEXT NULL,
                    user_agent TEXT NULL, machine INTEGER NOT NULL, reason TEXT NULL, state INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
                CREATE INDEX tracking_hits_campaign ON tracking_hits (tenant, campaign, kind);
                CREATE INDEX tracking_hits_pending ON tracking_hits (at) WHERE state = 0;
                INSERT INTO tracking_hits VALUES (x'00112233445566778899aabbccddeeff', 'acme', 'spring', 'jane@example.com', 1, 0, NULL, 0, 0, NULL, NULL, 0, NULL, 1);
                """;
            await command.ExecuteNonQueryAsync();
        }

        var store = new HitStore(path);
        await store.InitializeAsync();
        await store.InitializeAsync();

        await using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        await check.OpenAsync();
        await using var indexes = check.CreateCommand();
        indexes.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracking_hits' AND sql IS NOT NULL ORDER BY name)";
        Assert.Equal("tracking_hits_pending,tracking_hits_report", await indexes.ExecuteScalarAsync());
        await using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal(2L, await version.ExecuteScalarAsync());
        Assert.Equal(new HitCounts(1, 1, 1, 1), await store.CountAsync("acme", "spring", HitKind.Open));
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Open_PostToThePixel_IsNotServedByTheFastPath()
    {
        await using var silo = await TrackingSilo.StartAsync();

        using var response = await silo.Http.PostAsync($"/o/{silo.Token(TrackingKind.Open)}.gif", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, silo.Queue.Enqueued);
    }

    [Fact]
    public async Task Open_Head_ServesHeadersWithoutBodyAndCountsAMachineOpen()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();

        using var response = await silo.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/o/{silo.Token(TrackingKind.Open)}.gif"));
        await silo.DrainAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(42, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var opens = await silo.Store.CountAsync("acme", "spring", HitKind.Open);
        Assert.Equal((1L, 0L), (opens.Raw, opens.Human));
    }
}
