using System.Text.Json;
using MailMesh.Campaigns.Tests.Sending.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Tests.Sending;

public sealed class CampaignGrainTests : IAsyncLifetime
{
    private CampaignSilo _silo = null!;

    private static string[] Addresses(int count) => [.. Enumerable.Range(0, count).Select(i => $"user{i:D3}@example{i % 3}.com")];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            _silo.Submitter.Release.TrySetResult();
            await _silo.DisposeAsync();
        }
    }

    private async Task<CampaignSilo> StartAsync(Dictionary<string, string?>? settings = null, bool fakeComposition = false) =>
        _silo = await CampaignSilo.StartAsync(settings, fakeComposition: fakeComposition);

    [Fact]
    public async Task Create_UnknownTimeZone_ThrowsNamingTheField()
    {
        var silo = await StartAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => silo.Campaign("c1").Create(CampaignSilo.Definition() with { TimeZone = "Europe/Nowhere" }));

        Assert.Contains("time_zone: 'Europe/Nowhere' is not a known IANA time zone", error.Message, StringComparison.Ordinal);
        Assert.Null(await silo.Campaign("c1").Get());
    }

    [Fact]
    public async Task Schedule_MissingTemplateOrSegment_ThrowsAndStaysDraft()
    {
        var silo = await StartAsync();
        await silo.Campaign("c1").Create(CampaignSilo.Definition() with { Template = "nope" });
        await silo.Campaign("c2").Create(CampaignSilo.Definition() with { Segment = "nobody" });
        await silo.SeedAsync(["a@example.com"]);

        var template = await Assert.ThrowsAsync<ArgumentException>(() => silo.Campaign("c1").Schedule(null));
        var segment = await Assert.ThrowsAsync<ArgumentException>(() => silo.Campaign("c2").Schedule(null));

        Assert.Contains("template 'nope' does not exist", template.Message, StringComparison.Ordinal);
        Assert.Contains("segment 'nobody' does not exist", segment.Message, StringComparison.Ordinal);
        Assert.Equal(CampaignStatus.Draft, (await silo.Campaign("c1").Get())!.Status);
    }

    [Fact]
    public async Task Schedule_NoRelayConfigured_ThrowsNamingTheSetting()
    {
        _silo = await CampaignSilo.StartAsync(withoutRelay: true);
        await _silo.SeedAsync(["a@example.com"]);
        await _silo.Campaign("c1").Create(CampaignSilo.Definition());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _silo.Campaign("c1").Schedule(null));

        Assert.Contains("no relay is configured: set Campaigns:Relay:Host", error.Message, StringComparison.Ordinal);
        Assert.Equal(CampaignStatus.Draft, (await _silo.Campaign("c1").Get())!.Status);
    }

    [Fact]
    public async Task StateMachine_IllegalTransitions_ThrowCampaignStateException()
    {
        var silo = await StartAsync();
        await silo.Campaign("c1").Create(CampaignSilo.Definition());

        await Assert.ThrowsAsync<CampaignStateException>(() => silo.Campaign("c1").Pause(null));
        await Assert.ThrowsAsync<CampaignStateException>(() => silo.Campaign("c1").Resume());
        await Assert.ThrowsAsync<InvalidOperationException>(() => silo.Campaign("c1").Create(CampaignSilo.Definition()));
        await Assert.ThrowsAsync<CampaignNotFoundException>(() => silo.Campaign("none").Schedule(null));
        var cancelled = await silo.Campaign("c1").Cancel("changed our mind");
        Assert.Equal((CampaignStatus.Cancelled, "changed our mind"), (cancelled.Status, cancelled.StatusReason));
        await Assert.ThrowsAsync<CampaignStateException>(() => silo.Campaign("c1").Update(CampaignSilo.Definition()));
        Assert.Equal(CampaignStatus.Cancelled, (await silo.Campaign("c1").Cancel(null)).Status);
    }

    [Fact]
    public async Task Schedule_Now_MailsEachMailableRecipientOnceAndCompletes()
    {
        var silo = await StartAsync();
        var addresses = Addresses(30);
        await silo.SeedAsync(addresses);
        await silo.Contact(addresses[4]).Suppress(SuppressionReason.Complained, "fbl");
        await silo.Contact(addresses[5]).Unsubscribe("news", "link", null);
        await silo.Campaign("c1").Create(CampaignSilo.Definition());

        var scheduled = await silo.Campaign("c1").Schedule(null);
        await silo.WaitForEventAsync("c1", "campaign.completed");

        Assert.Equal(CampaignStatus.Scheduled, scheduled.Status);
        var counts = silo.Submitter.PerRecipient();
        Assert.Equal(28, counts.Count);
        Assert.All(counts.Values, n => Assert.Equal(1, n));
        Assert.DoesNotContain(addresses[4], counts.Keys);
        Assert.DoesNotContain(addresses[5], counts.Keys);
        var info = (await silo.Campaign("c1").Get())!;
        Assert.Equal(CampaignStatus.Completed, info.Status);
        Assert.Equal((30L, 28L, 2L, 0L, 0L), (info.Progress.Planned, info.Progress.Sent, info.Progress.Suppressed, info.Progress.Queued, info.Progress.Sending));
        var events = await silo.EventsAsync("c1");
        Assert.Equal(["campaign.created", "campaign.scheduled", "campaign.started"], events.Select(e => e.Type).Where(t => t.StartsWith("campaign.", StringComparison.Ordinal)).Take(3));
        Assert.Equal(28, events.Count(e => e.Type == "message.sent"));
        var sent = events.First(e => e.Type == "message.sent");
        using var payload = JsonDocument.Parse(sent.PayloadJson);
        var contact = payload.RootElement.GetProperty("contact").GetString()!;
        Assert.Equal(SendId.For(CampaignSilo.Tenant, "c1", contact).ToString(), payload.RootElement.GetProperty("send_id").GetString());
        Assert.Equal(250, payload.RootElement.GetProperty("code").GetInt32());
        var record = await silo.SendLog.FindAnyTenantAsync(SendId.For(CampaignSilo.Tenant, "c1", addresses[4]));
        Assert.Equal(SendStatus.Suppressed, record!.Status);
        Assert.Equal(CampaignStatus.Completed, Assert.Single(await silo.Grains.GetGrain<ICampaignDirectoryGrain>("acme/campaigns").List()).Status);
    }

    [Fact]
    public async Task Schedule_AudienceOfManyPlanningTicks_IsPlannedAndMailedWithoutWaitingADriveIntervalPerTick()
    {
        // One page of 2 per tick and an hour between ticks: a campaign that planned one tick per interval would mail 2.
        var silo = await StartAsync(new Dictionary<string, string?>
        {
            ["Campaigns:DriveInterval"] = "01:00:00",
            ["Campaigns:PlanPageSize"] = "2",
            ["Campaigns:PlanPagesPerTick"] = "1",
        });
        var addresses = Addresses(21);
        await silo.SeedAsync(addresses);
        await silo.Campaign("c1").Create(CampaignSilo.Definition());

        await silo.Campaign("c1").Schedule(null);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (silo.Submitter.PerRecipient().Count < addresses.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var counts = silo.Submitter.PerRecipient();
        Assert.Equal(addresses.Length, counts.Count);
        Assert.All(counts.Values, n => Assert.Equal(1, n));
        Assert.Equal(addresses.Length, (await silo.Campaign("c1").Get())!.Progress.Planned);
    }

    [Fact]
    public async Task Send_ContactSuppressedAfterPlanning_IsNeverMailed()
    {
        // Batches of one: the contact is suppressed while the first recipient's batch is in flight, before its own batch.
        var silo = await StartAsync(new() { ["Campaigns:Shards"] = "1", ["Campaigns:BatchSize"] = "1" });
        var addresses = Addresses(6);
        await silo.SeedAsync(addresses);
        await silo.Campaign("c1").Create(CampaignSilo.Definition());
        silo.Submitter.HoldAt = 1;

        await silo.Campaign("c1").Schedule(null);
        await silo.Submitter.Held.Task.WaitAsync(TimeSpan.FromSeconds(90));
        var first = silo.Submitter.Submissions[0].Recipients[0];
        var late = addresses.Last(a => a != first);
        Assert.Equal(SendStatus.Queued, (await silo.SendLog.FindAsync(CampaignSilo.Tenant, SendId.For(CampaignSilo.Tenant, "c1", late)))!.Status);
        await silo.Contact(late).Suppress(SuppressionReason.HardBounced, "550 5.1.1 no such user");
        silo.Submitter.Release.SetResult();
        await silo.WaitForEventAsync("c1", "campaign.completed");

        Assert.DoesNotContain(late, silo.Submitter.PerRecipient().Keys);
        var record = await silo.SendLog.FindAsync(CampaignSilo.Tenant, SendId.For(CampaignSilo.Tenant, "c1", late));
        Assert.Equal(SendStatus.Suppressed, record!.Status);
        Assert.Contains("hardbounced", record.LastReply, StringComparison.Ordinal);
        Assert.Equal(5, silo.Submitter.PerRecipient().Count);
    }

    [Fact]
    public async Task Pause_WhileSending_StopsAfterTheBatchInFlightAndResumeFinishes()
    {
        var silo = await StartAsync(new() { ["Campaigns:Shards"] = "1", ["Campaigns:BatchSize"] = "5" });
        var addresses = Addresses(40);
        await silo.SeedAsync(addresses);
        await silo.Campaign("c1").Create(CampaignSilo.Definition());
        silo.Submitter.HoldAt = 3;
        await silo.Campaign("c1").Schedule(null);
        await silo.Submitter.Held.Task.WaitAsync(TimeSpan.FromSeconds(90));

        var pausing = silo.Campaign("c1").Pause("checking the template");
        silo.Submitter.Release.SetResult();
        var paused = await pausing;

        // The pause reaches the worker while the batch of the held (3rd) message or, when the release wins the race, a
        // later batch is in flight; the worker stops after that batch, and nothing is sent while paused.
        var sent = silo.Submitter.Submissions.Count;
        Assert.Equal((CampaignStatus.Paused, "checking the template"), (paused.Status, paused.StatusReason));
        Assert.InRange(sent, 3, 39);
        Assert.Equal(((long)sent, 40L - sent, 0L), (paused.Progress.Sent, paused.Progress.Queued, paused.Progress.Sending));
        Assert.Equal(CampaignStatus.Paused, (await silo.Campaign("c1").Pause(null)).Status);
        Assert.Equal(sent, silo.Submitter.Submissions.Count);

        await silo.Campaign("c1").Resume();
        await silo.WaitForEventAsync("c1", "campaign.completed");

        Assert.Equal(40, silo.Submitter.PerRecipient().Count);
        Assert.All(silo.Submitter.PerRecipient().Values, n => Assert.Equal(1, n));
        var types = (await silo.EventsAsync("c1")).Select(e => e.Type).Where(t => t.StartsWith("campaign.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["campaign.created", "campaign.scheduled", "campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed"], types);
    }

    [Fact]
    public async Task Cancel_WhileSending_CancelsEveryUnsentRecipient()
    {
        var silo = await StartAsync(new() { ["Campaigns:Shards"] = "1", ["Campaigns:BatchSize"] = "5" });
        await silo.SeedAsync(Addresses(40));
        await silo.Campaign("c1").Create(CampaignSilo.Definition());
        silo.Submitter.HoldAt = 2;
        await silo.Campaign("c1").Schedule(null);
        await silo.Submitter.Held.Task.WaitAsync(TimeSpan.FromSeconds(90));

        var cancelling = silo.Campaign("c1").Cancel("wrong list");
        silo.Submitter.Release.SetResult();
        var cancelled = await cancelling;

        // As with pause: the batch in flight when the cancel reaches the worker (the held 2nd message's, or a later one) finishes.
        var sent = silo.Submitter.Submissions.Count;
        Assert.InRange(sent, 2, 39);
        Assert.Equal(CampaignStatus.Cancelled, cancelled.Status);
        Assert.NotNull(cancelled.FinishedAt);
        Assert.Equal(((long)sent, 40L - sent, 0L, 0L), (cancelled.Progress.Sent, cancelled.Progress.Cancelled, cancelled.Progress.Queued, cancelled.Progress.Sending));
        var cancelEvent = await silo.WaitForEventAsync("c1", "campaign.cancelled");
        using var payload = JsonDocument.Parse(cancelEvent.PayloadJson);
        Assert.Equal(40L - sent, payload.RootElement.GetProperty("cancelled_recipients").GetInt64());
    }

    [Fact]
    public async Task Send_RelayDefersUntilMaxDeferral_RetriesThenFailsWithTheLastReply()
    {
        var silo = await StartAsync(new() { ["Campaigns:Shards"] = "1" });
        await silo.SeedAsync(["ok@example.com", "slow@greylist.example"]);
        silo.Submitter.Answer = r => r.EndsWith("@greylist.example", StringComparison.Ordinal)
            ? new RecipientOutcome(r, SubmissionStatus.Deferred, 451, "4.7.1", "4.7.1 greylisted, try again later")
            : null;
        await silo.Campaign("c1").Create(CampaignSilo.Definition(maxDeferral: TimeSpan.FromSeconds(3)));

        await silo.Campaign("c1").Schedule(null);
        await silo.WaitForEventAsync("c1", "campaign.completed");

        // The relay's policy retries no sooner than a second apart and the last retry falls on the deadline, so there
        // are at least two deferrals before the attempt at or after the maximum age gives up.
        var record = await silo.SendLog.FindAsync(CampaignSilo.Tenant, SendId.For(CampaignSilo.Tenant, "c1", "slow@greylist.example"));
        Assert.Equal((SendStatus.Failed, 451), (record!.Status, record.LastCode));
        Assert.Contains("giving up", record.LastReply, StringComparison.Ordinal);
        Assert.Contains("451 4.7.1 greylisted", record.LastReply, StringComparison.Ordinal);
        var events = await silo.EventsAsync("c1");
        var deferred = events.Where(e => e.Type == "message.deferred").ToArray();
        Assert.True(deferred.Length >= 2, $"{deferred.Length} deferrals");
        Assert.Single(events, e => e.Type == "message.failed");
        Assert.Equal(deferred.Length + 1, record.Attempts);
        Assert.Equal(record.Attempts, silo.Submitter.PerRecipient()["slow@greylist.example"]);
        Assert.True(record.UpdatedAt - deferred[0].Time >= TimeSpan.FromSeconds(2.5), $"gave up {record.UpdatedAt - deferred[0].Time} after the first deferral");
        Assert.Equal(1, silo.Submitter.PerRecipient()["ok@example.com"]);
        var info = (await silo.Campaign("c1").Get())!;
        Assert.Equal((1L, 1L, 0L), (info.Progress.Sent, info.Progress.Failed, info.Progress.Deferred));
    }

    [Fact]
    public async Task Send_RelayRefusesEverything_CampaignPausesItselfWithReason()
    {
        // Batches of three: the first batch's three refusals stop the shard before the next batch is claimed.
        var silo = await StartAsync(new() { ["Campaigns:Shards"] = "1", ["Campaigns:BatchSize"] = "3", ["Campaigns:PauseAfterConsecutiveRefusals"] = "3" });
        await silo.SeedAsync(Addresses(8));
        silo.Submitter.Answer = r => new RecipientOutcome(r, SubmissionStatus.Failed, 554, "5.7.1", "5.7.1 relay access denied");
        await silo.Campaign("c1").Create(CampaignSilo.Definition());

        await silo.Campaign("c1").Schedule(null);
        var paused = await silo.WaitForEventAsync("c1", "campaign.paused");

        using var payload = JsonDocument.Parse(paused.PayloadJson);
        Assert.Equal("campaign", payload.RootElement.GetProperty("by").GetString());
        var info = (await silo.Campaign("c1").Get())!;
        Assert.Equal(CampaignStatus.Paused, info.Status);
        Assert.Contains("refused or deferred the last 3 messages", info.StatusReason, StringComparison.Ordinal);
        Assert.Contains("554 5.7.1 relay access denied", info.StatusReason, StringComparison.Ordinal);
        Assert.Equal(3, silo.Submitter.Submissions.Count);
        Assert.Equal(5, info.Progress.Queued);
    }

    [Fact]
    public async Task Send_TemplateDoesNotCompile_CampaignPausesItselfAndMailsNobody()
    {
        var silo = await StartAsync(fakeComposition: true);
        await silo.SeedAsync(Addresses(4), subject: "{{#broken}} sale");
        await silo.Campaign("c1").Create(CampaignSilo.Definition());

        await silo.Campaign("c1").Schedule(null);
        await silo.WaitForEventAsync("c1", "campaign.paused");

        var info = (await silo.Campaign("c1").Get())!;
        Assert.Contains("template 'welcome' does not compile", info.StatusReason, StringComparison.Ordinal);
        Assert.Contains("unclosed block", info.StatusReason, StringComparison.Ordinal);
        Assert.Empty(silo.Submitter.Submissions);
        Assert.Equal(4, info.Progress.Queued);
    }

    [Fact]
    public async Task Schedule_Later_StartsByReminderAtThatTime()
    {
        var silo = await StartAsync();
        await silo.SeedAsync(Addresses(3));
        await silo.Campaign("c1").Create(CampaignSilo.Definition());
        var at = DateTimeOffset.UtcNow.AddSeconds(2);

        var scheduled = await silo.Campaign("c1").Schedule(at);
        await silo.RestartAsync();
        await silo.WaitForEventAsync("c1", "campaign.completed");

        Assert.Equal(at, scheduled.ScheduledFor);
        var info = (await silo.Campaign("c1").Get())!;
        Assert.True(info.StartedAt >= at, $"started at {info.StartedAt:O}, scheduled for {at:O}");
        Assert.Equal(3, info.Progress.Sent);
    }

    [Fact]
    public async Task Send_WindowClosedNow_PostponesToWindowStartInRecipientZone()
    {
        var silo = await StartAsync(new() { ["Campaigns:Shards"] = "1" });
        var now = DateTimeOffset.UtcNow;
        var day = now.AddDays(3).DayOfWeek;
        await silo.SeedAsync(["paris@example.com", "tokyo@example.com"], zones: new Dictionary<string, string> { ["tokyo@example.com"] = "Asia/Tokyo" });
        var window = new SendWindow([day], new TimeOnly(9, 0), new TimeOnly(17, 0));
        await silo.Campaign("c1").Create(CampaignSilo.Definition(windows: [window]) with { TimeZone = "Europe/Paris" });

        await silo.Campaign("c1").Schedule(null);
        var paris = SendId.For(CampaignSilo.Tenant, "c1", "paris@example.com");
        var tokyo = SendId.For(CampaignSilo.Tenant, "c1", "tokyo@example.com");
        await silo.ObservedLog.WhenPostponed(paris).WaitAsync(TimeSpan.FromSeconds(90));
        await silo.ObservedLog.WhenPostponed(tokyo).WaitAsync(TimeSpan.FromSeconds(90));
        var parisRecord = (await silo.SendLog.FindAsync(CampaignSilo.Tenant, paris))!;
        var tokyoRecord = (await silo.SendLog.FindAsync(CampaignSilo.Tenant, tokyo))!;

        var parisLocal = NodaTime.Instant.FromDateTimeOffset(parisRecord.NextAttemptAt!.Value).InZone(NodaTime.DateTimeZoneProviders.Tzdb["Europe/Paris"]);
        var tokyoLocal = NodaTime.Instant.FromDateTimeOffset(tokyoRecord.NextAttemptAt!.Value).InZone(NodaTime.DateTimeZoneProviders.Tzdb["Asia/Tokyo"]);
        Assert.Equal((new NodaTime.LocalTime(9, 0), day), (parisLocal.TimeOfDay, (DayOfWeek)((int)parisLocal.DayOfWeek % 7)));
        Assert.Equal((new NodaTime.LocalTime(9, 0), day), (tokyoLocal.TimeOfDay, (DayOfWeek)((int)tokyoLocal.DayOfWeek % 7)));
        Assert.NotEqual(parisRecord.NextAttemptAt, tokyoRecord.NextAttemptAt);
        Assert.Empty(silo.Submitter.Submissions);
        Assert.Equal(CampaignStatus.Sending, (await silo.Campaign("c1").Get())!.Status);
    }
}
