using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>What every send log must do; one subclass per backend.</summary>
public abstract partial class SendLogContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    protected ISendLog Log { get; private set; } = null!;

    /// <summary>A fresh, empty send log.</summary>
    protected abstract Task<ISendLog> CreateAsync();

    public async Task InitializeAsync()
    {
        Log = await CreateAsync();
        await Log.InitializeAsync();
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static PlannedSend Plan(string address, int shard = 0, DateTimeOffset? notBefore = null, string campaign = "c1", string tenant = "acme") =>
        new(address, SendId.For(tenant, campaign, address), shard, notBefore ?? T0);

    [SkippableFact]
    public async Task EnqueueAsync_SamePageTwice_AddsEachRecipientOnce()
    {
        PlannedSend[] page = [Plan("a@example.com"), Plan("b@example.com")];

        Assert.Equal(2, await Log.EnqueueAsync("acme", "c1", page, T0));
        Assert.Equal(0, await Log.EnqueueAsync("acme", "c1", page, T0.AddMinutes(1)));

        var progress = await Log.CountAsync("acme", "c1");
        Assert.Equal((2L, 2L), (progress.Planned, progress.Queued));
        var record = await Log.FindAsync("acme", page[0].SendId);
        Assert.NotNull(record);
        Assert.Equal(("c1", "a@example.com", SendStatus.Queued, 0, T0), (record.CampaignId, record.ContactAddress, record.Status, record.Attempts, record.QueuedAt));
    }

    [SkippableFact]
    public async Task TryMarkSendingAsync_TwoClaimers_OnlyOneWins()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);

        var first = await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, "m1@shop.example", T0);
        var second = await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, "m1@shop.example", T0);

        Assert.True(first);
        Assert.False(second);
        var record = await Log.FindAsync("acme", send.SendId);
        Assert.Equal((SendStatus.Sending, 1, "m1@shop.example"), (record!.Status, record.Attempts, record.MessageId));
        Assert.Empty(await Log.ListDueAsync("acme", "c1", 0, T0.AddDays(1), 10));
    }

    [SkippableFact]
    public async Task CompleteAsync_Deferred_IsDueAgainAtNextAttempt()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);
        await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, null, T0);

        await Log.CompleteAsync("acme", send.SendId, SendStatus.Deferred, 451, "4.7.1 try later", T0.AddMinutes(5), T0);

        Assert.Empty(await Log.ListDueAsync("acme", "c1", 0, T0.AddMinutes(4), 10));
        var due = Assert.Single(await Log.ListDueAsync("acme", "c1", 0, T0.AddMinutes(5), 10));
        Assert.Equal((SendStatus.Deferred, 451, "4.7.1 try later", T0.AddMinutes(5)), (due.Status, due.LastCode, due.LastReply, due.NextAttemptAt));
        Assert.Equal(T0.AddMinutes(5), await Log.NextDueAsync("acme", "c1", 0));
        Assert.True(await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Deferred, null, T0.AddMinutes(5)));
        await Log.CompleteAsync("acme", send.SendId, SendStatus.Sent, 250, "2.0.0 ok", null, T0.AddMinutes(5));
        var sent = await Log.FindAsync("acme", send.SendId);
        Assert.Equal((SendStatus.Sent, 2, 250), (sent!.Status, sent.Attempts, sent.LastCode));
        Assert.Null(await Log.NextDueAsync("acme", "c1", 0));
    }

    [SkippableFact]
    public async Task CompleteAsync_RecordNotSending_Throws()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Log.CompleteAsync("acme", send.SendId, SendStatus.Sent, 250, "ok", null, T0));
    }

    [SkippableFact]
    public async Task TryMarkSendingAsync_Batch_ClaimsOnlyRecordsStillInTheStatusTheyWereReadIn()
    {
        PlannedSend[] sends = [Plan("a@example.com"), Plan("b@example.com"), Plan("c@example.com")];
        await Log.EnqueueAsync("acme", "c1", sends, T0);
        Assert.True(await Log.TryMarkSendingAsync("acme", sends[0].SendId, SendStatus.Queued, null, T0));

        var claimed = await Log.TryMarkSendingAsync("acme",
            [new SendClaim("c1", sends[0].ContactAddress, sends[0].SendId, SendStatus.Queued, "m0@shop.example"), new SendClaim("c1", sends[1].ContactAddress, sends[1].SendId, SendStatus.Queued, "m1@shop.example"),
             new SendClaim("c1", sends[2].ContactAddress, sends[2].SendId, SendStatus.Deferred, "m2@shop.example")], T0.AddSeconds(1));

        Assert.Equal([false, true, false], claimed);
        var records = await Log.ListAsync("acme", "c1", null, 10);
        Assert.Equal(
            [("a@example.com", SendStatus.Sending, 1, (string?)null), ("b@example.com", SendStatus.Sending, 1, "m1@shop.example"), ("c@example.com", SendStatus.Queued, 0, null)],
            records.Select(r => (r.ContactAddress, r.Status, r.Attempts, r.MessageId)));
        Assert.Equal([false], await Log.TryMarkSendingAsync("acme", [new SendClaim("c1", sends[1].ContactAddress, sends[1].SendId, SendStatus.Queued, null)], T0.AddSeconds(2)));
    }

    [SkippableFact]
    public async Task TryMarkSendingAsync_RecordTwiceInOneBatch_ThrowsAndClaimsNothing()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            Log.TryMarkSendingAsync("acme", [new SendClaim("c1", send.ContactAddress, send.SendId, SendStatus.Queued, null), new SendClaim("c1", send.ContactAddress, send.SendId, SendStatus.Queued, null)], T0));

        Assert.Equal(SendStatus.Queued, (await Log.FindAsync("acme", send.SendId))!.Status);
    }

    [SkippableFact]
    public async Task CompleteAsync_Batch_RecordsEachOutcomeAndReturnsTheRecordsNotBeingSent()
    {
        PlannedSend[] sends = [Plan("a@example.com"), Plan("b@example.com"), Plan("c@example.com"), Plan("d@example.com")];
        await Log.EnqueueAsync("acme", "c1", sends, T0);
        await Log.TryMarkSendingAsync("acme", [.. sends[..3].Select(s => new SendClaim("c1", s.ContactAddress, s.SendId, SendStatus.Queued, null))], T0);

        var missed = await Log.CompleteAsync("acme",
            [new SendCompletion("c1", sends[0].ContactAddress, sends[0].SendId, SendStatus.Sent, 250, "2.0.0 ok", null),
             new SendCompletion("c1", sends[1].ContactAddress, sends[1].SendId, SendStatus.Deferred, 451, "4.7.1 later", T0.AddMinutes(5)),
             new SendCompletion("c1", sends[2].ContactAddress, sends[2].SendId, SendStatus.Failed, 550, "5.1.1 unknown user", null),
             new SendCompletion("c1", sends[3].ContactAddress, sends[3].SendId, SendStatus.Sent, 250, "2.0.0 ok", null)], T0.AddSeconds(1));

        Assert.Equal([sends[3].SendId], missed);
        var records = await Log.ListAsync("acme", "c1", null, 10);
        Assert.Equal(
            [(SendStatus.Sent, 250, "2.0.0 ok"), (SendStatus.Deferred, 451, "4.7.1 later"), (SendStatus.Failed, 550, "5.1.1 unknown user"), (SendStatus.Queued, 0, (string?)null)],
            records.Select(r => (r.Status, r.LastCode, r.LastReply)));
        Assert.Equal(T0.AddMinutes(5), records[1].NextAttemptAt);
        Assert.Equal(T0.AddSeconds(1), await Log.FirstDeferredAtAsync("acme", sends[1].SendId));
    }

    [SkippableFact]
    public async Task CompleteAsync_BatchWithDeferredWithoutNextAttempt_ThrowsAndRecordsNothing()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);
        await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, null, T0);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            Log.CompleteAsync("acme", [new SendCompletion("c1", send.ContactAddress, send.SendId, SendStatus.Deferred, 451, "later", null)], T0));

        Assert.Equal(SendStatus.Sending, (await Log.FindAsync("acme", send.SendId))!.Status);
    }

    [SkippableFact]
    public async Task ListDueAsync_ByShardAndTime_EarliestFirst()
    {
        await Log.EnqueueAsync("acme", "c1",
            [Plan("late@example.com", 0, T0.AddMinutes(2)), Plan("early@example.com", 0, T0), Plan("other@example.com", 1, T0), Plan("future@example.com", 0, T0.AddHours(1))], T0);

        var due = await Log.ListDueAsync("acme", "c1", 0, T0.AddMinutes(5), 10);

        Assert.Equal(["early@example.com", "late@example.com"], due.Select(d => d.ContactAddress));
        Assert.Equal(["other@example.com"], (await Log.ListDueAsync("acme", "c1", 1, T0.AddMinutes(5), 10)).Select(d => d.ContactAddress));
        Assert.Single(await Log.ListDueAsync("acme", "c1", 0, T0.AddMinutes(5), 1));
    }

    [SkippableFact]
    public async Task PostponeAndSkip_MoveDueTimeAndFinalState()
    {
        var a = Plan("a@example.com");
        var b = Plan("b@example.com");
        await Log.EnqueueAsync("acme", "c1", [a, b], T0);

        await Log.PostponeAsync("acme", a.SendId, T0.AddHours(3), T0);
        Assert.True(await Log.SkipAsync("acme", b.SendId, SendStatus.Suppressed, "suppressed (complained, all mail)", T0));
        Assert.False(await Log.SkipAsync("acme", b.SendId, SendStatus.Suppressed, "again", T0));

        Assert.Empty(await Log.ListDueAsync("acme", "c1", 0, T0.AddHours(2), 10));
        Assert.Equal(T0.AddHours(3), (await Log.FindAsync("acme", a.SendId))!.NextAttemptAt);
        var skipped = await Log.FindAsync("acme", b.SendId);
        Assert.Equal((SendStatus.Suppressed, "suppressed (complained, all mail)"), (skipped!.Status, skipped.LastReply));
    }

    [SkippableFact]
    public async Task CancelPendingAsync_LeavesSentAndSendingRecords()
    {
        PlannedSend[] sends = [Plan("a@example.com"), Plan("b@example.com"), Plan("c@example.com")];
        await Log.EnqueueAsync("acme", "c1", sends, T0);
        await Log.TryMarkSendingAsync("acme", sends[0].SendId, SendStatus.Queued, null, T0);
        await Log.CompleteAsync("acme", sends[0].SendId, SendStatus.Sent, 250, "ok", null, T0);
        await Log.TryMarkSendingAsync("acme", sends[1].SendId, SendStatus.Queued, null, T0);

        Assert.Equal(1, await Log.CancelPendingAsync("acme", "c1", "cancelled by request", T0));

        var progress = await Log.CountAsync("acme", "c1");
        Assert.Equal((3L, 1L, 1L, 1L, 0L), (progress.Planned, progress.Sent, progress.Sending, progress.Cancelled, progress.Queued));
        Assert.False(await Log.TryMarkSendingAsync("acme", sends[2].SendId, SendStatus.Queued, null, T0));
    }

    [SkippableFact]
    public async Task FindAnyTenantAsync_IdFromReturnPath_FindsTenantAndCampaign()
    {
        var send = Plan("a@example.com", tenant: "globex", campaign: "c9");
        await Log.EnqueueAsync("globex", "c9", [send], T0);

        var found = await Log.FindAnyTenantAsync(SendId.Parse(send.SendId.ToString()));

        Assert.Equal(("globex", "c9", "a@example.com"), (found!.Tenant, found.CampaignId, found.ContactAddress));
        Assert.Null(await Log.FindAsync("acme", send.SendId));
        Assert.Null(await Log.FindAnyTenantAsync(SendId.For("globex", "c9", "nobody@example.com")));
    }

    [SkippableFact]
    public async Task ListAsync_Pages_InContactOrder()
    {
        await Log.EnqueueAsync("acme", "c1", [Plan("c@example.com"), Plan("a@example.com"), Plan("b@example.com")], T0);

        var first = await Log.ListAsync("acme", "c1", null, 2);
        var rest = await Log.ListAsync("acme", "c1", first[^1].ContactAddress, 2);

        Assert.Equal(["a@example.com", "b@example.com"], first.Select(r => r.ContactAddress));
        Assert.Equal(["c@example.com"], rest.Select(r => r.ContactAddress));
    }

    [SkippableFact]
    public async Task SendingDomainFirstUseAsync_SecondCall_KeepsFirstTime()
    {
        Assert.Equal(T0, await Log.SendingDomainFirstUseAsync("acme", "Shop.Example", T0));
        Assert.Equal(T0, await Log.SendingDomainFirstUseAsync("acme", "shop.example", T0.AddDays(3)));
        Assert.Equal(T0.AddDays(3), await Log.SendingDomainFirstUseAsync("globex", "shop.example", T0.AddDays(3)));
    }

    [SkippableFact]
    public async Task CompleteAsync_LongReply_IsTrimmed()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);
        await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, null, T0);

        await Log.CompleteAsync("acme", send.SendId, SendStatus.Failed, 550, new string('x', 5000), null, T0);

        Assert.Equal(1000, (await Log.FindAsync("acme", send.SendId))!.LastReply!.Length);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReportCountsAsync_MixedStatuses_CountsEachStatusAndEverDeferredInScope(bool prepared)
    {
        await SeedReportAsync();
        var reports = (ISendLogReports)Log;
        if (prepared)
        {
            await reports.PrepareReportsAsync();
        }

        var campaign = await reports.ReportCountsAsync("acme", "c1", null);
        var tenant = await reports.ReportCountsAsync("acme", null, null);

        Assert.Equal((1L, 2L, 3L, 1L, 1L, 1L, 0L, 3L, 9L), Tuple(campaign));
        Assert.Equal((1L, 2L, 4L, 1L, 1L, 1L, 0L, 3L, 10L), Tuple(tenant));
        Assert.Equal(new CampaignProgress(9, 1, 2, 3, 1, 1, 1, 0), await Log.CountAsync("acme", "c1"));
    }

    [SkippableFact]
    public async Task ReportSentPerHourAsync_SentInTwoHours_GroupsByTheHourTheRelayAccepted()
    {
        await SeedReportAsync();

        var hours = await ((ISendLogReports)Log).ReportSentPerHourAsync("acme", "c1", null);

        var first = T0.ToUnixTimeMilliseconds() / 3_600_000;
        Assert.Equal([(first, 2L), (first + 1, 1L)], hours);
    }

    [SkippableFact]
    public async Task ReportCountsAsync_MembersDatabase_CountsOnlyTheMembers()
    {
        await SeedReportAsync();
        var members = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-tests", Guid.NewGuid().ToString("N") + ".members.db");
        Directory.CreateDirectory(Path.GetDirectoryName(members)!);
        WriteMembers(members, "a@example.com", "e@example.com", "i@example.com", "nobody@example.com");
        try
        {
            var reports = (ISendLogReports)Log;
            var counts = await reports.ReportCountsAsync("acme", "c1", members);
            var hours = await reports.ReportSentPerHourAsync("acme", "c1", members);

            Assert.Equal((0L, 1L, 1L, 1L, 0L, 0L, 0L, 2L, 3L), Tuple(counts));
            Assert.Equal([(T0.ToUnixTimeMilliseconds() / 3_600_000, 1L)], hours);
            await Assert.ThrowsAsync<FileNotFoundException>(() => reports.ReportCountsAsync("acme", "c1", members + ".missing"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(members);
        }
    }

    /// <summary>Campaign c1 of acme: a, b sent in T0's hour; c sent in the next hour after a deferral; d failed; e
    /// deferred; f suppressed; g queued; h being sent; i being sent again after a deferral. Campaign c2 of acme: a sent.
    /// Tenant globex: a sent.</summary>
    private async Task SeedReportAsync()
    {
        string[] c1 = ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com", "g@example.com",
            "h@example.com", "i@example.com"];
        await Log.EnqueueAsync("acme", "c1", [.. c1.Select(a => Plan(a))], T0);
        await Log.EnqueueAsync("acme", "c2", [Plan("a@example.com", campaign: "c2")], T0);
        await Log.EnqueueAsync("globex", "c1", [Plan("a@example.com", tenant: "globex")], T0);

        await CompleteAsync("acme", "c1", "a@example.com", SendStatus.Queued, SendStatus.Sent, T0.AddMinutes(5));
        await CompleteAsync("acme", "c1", "b@example.com", SendStatus.Queued, SendStatus.Sent, T0.AddMinutes(6));
        await CompleteAsync("acme", "c1", "c@example.com", SendStatus.Queued, SendStatus.Deferred, T0.AddMinutes(7));
        await CompleteAsync("acme", "c1", "c@example.com", SendStatus.Deferred, SendStatus.Sent, T0.AddMinutes(70));
        await CompleteAsync("acme", "c1", "d@example.com", SendStatus.Queued, SendStatus.Failed, T0.AddMinutes(8));
        await CompleteAsync("acme", "c1", "e@example.com", SendStatus.Queued, SendStatus.Deferred, T0.AddMinutes(9));
        Assert.True(await Log.SkipAsync("acme", Plan("f@example.com").SendId, SendStatus.Suppressed, "suppressed", T0.AddMinutes(10)));
        Assert.True(await Log.TryMarkSendingAsync("acme", SendId.For("acme", "c1", "h@example.com"), SendStatus.Queued, "<m>", T0.AddMinutes(11)));
        await CompleteAsync("acme", "c1", "i@example.com", SendStatus.Queued, SendStatus.Deferred, T0.AddMinutes(12));
        Assert.True(await Log.TryMarkSendingAsync("acme", SendId.For("acme", "c1", "i@example.com"), SendStatus.Deferred, "<m>", T0.AddMinutes(80)));
        await CompleteAsync("acme", "c2", "a@example.com", SendStatus.Queued, SendStatus.Sent, T0.AddDays(2));
        await CompleteAsync("globex", "c1", "a@example.com", SendStatus.Queued, SendStatus.Sent, T0.AddMinutes(5));
    }

    private async Task CompleteAsync(string tenant, string campaign, string address, SendStatus from, SendStatus to, DateTimeOffset at)
    {
        var id = SendId.For(tenant, campaign, address);
        Assert.True(await Log.TryMarkSendingAsync(tenant, id, from, "<m>", at));
        var code = to switch { SendStatus.Sent => 250, SendStatus.Deferred => 451, _ => 550 };
        await Log.CompleteAsync(tenant, id, to, code, "reply", to == SendStatus.Deferred ? at.AddHours(1) : null, at);
    }

    private static void WriteMembers(string path, params string[] contacts)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = ReportMembers.Schema + "; " + string.Join("; ", contacts.Select((_, i) => $"INSERT INTO members (contact) VALUES ($c{i})"));
        for (var i = 0; i < contacts.Length; i++)
        {
            command.Parameters.AddWithValue($"$c{i}", contacts[i]);
        }

        command.ExecuteNonQuery();
    }

    private static (long, long, long, long, long, long, long, long, long) Tuple(SendLogReportCounts c) =>
        (c.Queued, c.Sending, c.Sent, c.Deferred, c.Failed, c.Suppressed, c.Cancelled, c.DeferredOnce, c.Recipients);
}

public sealed class SqliteSendLogTests : SendLogContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-tests", Guid.NewGuid().ToString("N"));

    protected override Task<ISendLog> CreateAsync() => Task.FromResult<ISendLog>(new SqliteSendLog(Path.Combine(_directory, "campaigns.db")));

    public override Task DisposeAsync()
    {
        ((SqliteSendLog)Log).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the OS temp cleanup removes it.
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task InitializeAsync_Twice_KeepsRecords()
    {
        await Log.EnqueueAsync("acme", "c1", [Plan("a@example.com")], T0);

        await new SqliteSendLog(((SqliteSendLog)Log).DatabasePath).InitializeAsync();

        Assert.Equal(1, (await Log.CountAsync("acme", "c1")).Planned);
    }
}
