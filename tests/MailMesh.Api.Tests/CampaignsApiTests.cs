using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Api.Tests;

public sealed class CampaignsApiTests(CampaignsApiHost host) : IClassFixture<CampaignsApiHost>
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(30);

    private static Timestamp Tomorrow() => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1));

    [Fact]
    public async Task Create_MinimalDefinition_DraftWithDefaults()
    {
        var key = await host.NewTenantAsync("cmp-create");
        using var client = host.Client(key);
        var definition = await CampaignsApiHost.PrepareAsync(client, "cmp-create", ("ann@example.com", "Ann"));
        definition.Windows.Add(new SendWindow { Days = { "mon", "Tuesday" }, Start = "9:00", End = "24:00" });

        var created = await client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "spring", Definition = definition });
        var generated = await client.Campaigns.CreateAsync(new CreateCampaignRequest { Definition = definition });
        var got = await client.Campaigns.GetAsync(new GetCampaignRequest { Id = "spring" });
        var list = await client.Campaigns.ListAsync(new ListCampaignsRequest());

        Assert.Equal((CampaignStatus.Draft, 1L), (created.Status, created.Version));
        Assert.Equal(("UTC", TimeSpan.FromHours(48), true, false), (got.Definition.TimeZone, got.Definition.MaxDeferral.ToTimeSpan(), got.Definition.Track, got.Definition.Throttle.SlowStart));
        var window = Assert.Single(got.Definition.Windows);
        Assert.Equal(["mon", "tue"], window.Days);
        Assert.Equal(("09:00", "24:00"), (window.Start, window.End));
        Assert.Matches("^c-[a-z2-7]{12}$", generated.Id);
        Assert.Equal(0, got.Progress.Planned);
        Assert.Equal(new[] { "spring", generated.Id }.Order(), list.Campaigns.Select(c => c.Id).Order());
    }

    [Fact]
    public async Task Create_BadInput_InvalidArgumentNamingTheField()
    {
        var key = await host.NewTenantAsync("cmp-bad");
        using var client = host.Client(key);
        var definition = await CampaignsApiHost.PrepareAsync(client, "cmp-bad", ("ann@example.com", "Ann"));

        async Task<string> Refused(Action<CampaignDefinition> change, string id = "x")
        {
            var copy = definition.Clone();
            change(copy);
            var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = id, Definition = copy }));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            return e.Detail;
        }

        Assert.StartsWith("invalid definition.template: template 'nope' does not exist", await Refused(d => d.Template = "nope"), StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.segment: segment 'nope' does not exist", await Refused(d => d.Segment = "nope"), StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.time_zone: 'Mars/Olympus' is not a known IANA time zone", await Refused(d => d.TimeZone = "Mars/Olympus"), StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.windows[0].end:", await Refused(d => d.Windows.Add(new SendWindow { Start = "18:00", End = "09:00" })), StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.windows[0].days[1]:", await Refused(d => d.Windows.Add(new SendWindow { Days = { "mon", "funday" }, Start = "09:00", End = "17:00" })), StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.sender.from_address:", await Refused(d => d.Sender.FromAddress = "news"), StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.max_deferral:", await Refused(d => d.MaxDeferral = Duration.FromTimeSpan(TimeSpan.FromDays(40))), StringComparison.Ordinal);
        Assert.StartsWith("invalid id:", await Refused(_ => { }, id: "Bad Id"), StringComparison.Ordinal);
        Assert.Empty((await client.Campaigns.ListAsync(new ListCampaignsRequest())).Campaigns);
    }

    [Fact]
    public async Task Lifecycle_ScheduleLaterThenCancel_StatesAndWrongStateErrors()
    {
        var key = await host.NewTenantAsync("cmp-life");
        using var client = host.Client(key);
        var definition = await CampaignsApiHost.PrepareAsync(client, "cmp-life", ("ann@example.com", "Ann"));
        await client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "news", Definition = definition });
        definition.Name = "November news";

        var updated = await client.Campaigns.UpdateAsync(new UpdateCampaignRequest { Id = "news", Definition = definition });
        var resumeDraft = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.ResumeAsync(new ResumeCampaignRequest { Id = "news" }));
        var at = Tomorrow();
        var scheduled = await client.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = "news", StartAt = at });
        var updateScheduled = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.UpdateAsync(new UpdateCampaignRequest { Id = "news", Definition = definition }));
        var scheduleAgain = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = "news" }));
        var pauseScheduled = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.PauseAsync(new PauseCampaignRequest { Id = "news" }));
        var cancelled = await client.Campaigns.CancelAsync(new CancelCampaignRequest { Id = "news", Reason = "wrong audience" });
        var cancelledAgain = await client.Campaigns.CancelAsync(new CancelCampaignRequest { Id = "news" });
        var resumeCancelled = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.ResumeAsync(new ResumeCampaignRequest { Id = "news" }));
        var unknown = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.CancelAsync(new CancelCampaignRequest { Id = "nope" }));
        var listed = Assert.Single((await client.Campaigns.ListAsync(new ListCampaignsRequest())).Campaigns);

        Assert.Equal("November news", updated.Definition.Name);
        Assert.Equal(CampaignStatus.Scheduled, scheduled.Status);
        Assert.InRange((scheduled.ScheduledFor.ToDateTimeOffset() - at.ToDateTimeOffset()).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal((CampaignStatus.Cancelled, "wrong audience"), (cancelled.Status, cancelled.StatusReason));
        Assert.Equal(cancelled.Version, cancelledAgain.Version);
        Assert.All([resumeDraft, updateScheduled, scheduleAgain, pauseScheduled, resumeCancelled], e => Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode));
        Assert.Contains("is scheduled: cannot update", updateScheduled.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(("news", CampaignStatus.Cancelled), (listed.Id, listed.Status));
    }

    [Fact]
    public async Task Schedule_TooFarAheadOrAfterTemplateDeleted_InvalidArgument()
    {
        var key = await host.NewTenantAsync("cmp-sched-bad");
        using var client = host.Client(key);
        var definition = await CampaignsApiHost.PrepareAsync(client, "cmp-sched-bad", ("ann@example.com", "Ann"));
        await client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "late", Definition = definition });

        var far = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.ScheduleAsync(
            new ScheduleCampaignRequest { Id = "late", StartAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(2)) }));
        await client.Templates.DeleteAsync(new DeleteTemplateRequest { Name = "welcome" });
        var noTemplate = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = "late", StartAt = Tomorrow() }));

        Assert.StartsWith("invalid start_at:", far.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid definition.template: template 'welcome' does not exist", noTemplate.Detail, StringComparison.Ordinal);
        Assert.Equal(CampaignStatus.Draft, (await client.Campaigns.GetAsync(new GetCampaignRequest { Id = "late" })).Status);
    }

    [Fact]
    public async Task WatchProgress_CancelledWhileWatched_StreamsEachStateAndEnds()
    {
        var key = await host.NewTenantAsync("cmp-watch");
        using var client = host.Client(key);
        var definition = await CampaignsApiHost.PrepareAsync(client, "cmp-watch", ("ann@example.com", "Ann"));
        await client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "watched", Definition = definition });
        await client.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = "watched", StartAt = Tomorrow() });
        using var timeout = new CancellationTokenSource(WatchTimeout);
        var request = new WatchCampaignProgressRequest { Id = "watched", Interval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)) };

        var seen = new List<Campaign>();
        await using (var stream = client.Campaigns.WatchProgressAsync(request, new CallOptions(), timeout.Token).GetAsyncEnumerator(timeout.Token))
        {
            Assert.True(await stream.MoveNextAsync(), "the watch ended before the first state");
            seen.Add(stream.Current);
            await client.Campaigns.CancelAsync(new CancelCampaignRequest { Id = "watched", Reason = "changed our minds" });
            while (await stream.MoveNextAsync())
            {
                seen.Add(stream.Current);
            }
        }

        Assert.Equal([CampaignStatus.Scheduled, CampaignStatus.Cancelled], seen.Select(c => c.Status));
        Assert.Equal("changed our minds", seen[^1].StatusReason);
        Assert.False(timeout.IsCancellationRequested, "the watch did not end by itself after the campaign was cancelled");
    }

    [Fact]
    public async Task WatchProgress_UnknownCampaignOrBadInterval_NotFoundAndInvalidArgument()
    {
        var key = await host.NewTenantAsync("cmp-watch-bad");
        using var client = host.Client(key);
        await CampaignsApiHost.PrepareAsync(client, "cmp-watch-bad", ("ann@example.com", "Ann"));

        var unknown = await Assert.ThrowsAsync<MailMeshRpcException>(async () =>
        {
            await foreach (var _ in client.Campaigns.WatchProgressAsync(new WatchCampaignProgressRequest { Id = "nope" }))
            {
            }
        });
        var interval = await Assert.ThrowsAsync<MailMeshRpcException>(async () =>
        {
            await foreach (var _ in client.Campaigns.WatchProgressAsync(new WatchCampaignProgressRequest { Id = "nope", Interval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(5)) }))
            {
            }
        });

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("invalid interval:", interval.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_KeyScopesAndTenants_Enforced()
    {
        var admin = await host.NewTenantAsync("cmp-scopes");
        using var client = host.Client(admin);
        var definition = await CampaignsApiHost.PrepareAsync(client, "cmp-scopes", ("ann@example.com", "Ann"));
        await client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "mine", Definition = definition });
        using var reader = host.Client(await host.NewKeyAsync(admin, ApiScopes.CampaignsRead));
        using var contacts = host.Client(await host.NewKeyAsync(admin, "contacts:*"));
        using var stranger = host.Client(await host.NewTenantAsync("cmp-stranger"));

        var read = await reader.Campaigns.GetAsync(new GetCampaignRequest { Id = "mine" });
        var schedule = await Assert.ThrowsAsync<MailMeshRpcException>(() => reader.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = "mine" }));
        var list = await Assert.ThrowsAsync<MailMeshRpcException>(() => contacts.Campaigns.ListAsync(new ListCampaignsRequest()));
        var strangerGet = await Assert.ThrowsAsync<MailMeshRpcException>(() => stranger.Campaigns.GetAsync(new GetCampaignRequest { Id = "mine" }));
        var strangerCancel = await Assert.ThrowsAsync<MailMeshRpcException>(() => stranger.Campaigns.CancelAsync(new CancelCampaignRequest { Id = "mine" }));
        var strangerCreate = await Assert.ThrowsAsync<MailMeshRpcException>(() => stranger.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "theirs", Definition = definition }));

        Assert.Equal(CampaignStatus.Draft, read.Status);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (schedule.StatusCode, list.StatusCode));
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (strangerGet.StatusCode, strangerCancel.StatusCode));
        Assert.StartsWith("invalid definition.template:", strangerCreate.Detail, StringComparison.Ordinal);
        Assert.Empty((await stranger.Campaigns.ListAsync(new ListCampaignsRequest())).Campaigns);
        Assert.Equal(CampaignStatus.Draft, (await client.Campaigns.GetAsync(new GetCampaignRequest { Id = "mine" })).Status);
    }

    [Fact]
    public async Task Cli_CampaignsCommands_CreateUpdateScheduleCancelAndWatch()
    {
        var key = await host.NewTenantAsync("cmp-cli");
        using var client = host.Client(key);
        await CampaignsApiHost.PrepareAsync(client, "cmp-cli", ("ann@example.com", "Ann"));

        var create = await host.RunCliAsync(key, "campaigns", "create", "autumn", "--name", "Autumn", "-t", "welcome", "--segment", "everyone",
            "--from", "news@example.com", "--time-zone", "Europe/Paris", "--window", "mon-fri 09:00-17:30", "--window", "sat 10:00-12:00", "--per-minute", "600");
        var update = await host.RunCliAsync(key, "campaigns", "update", "autumn", "--name", "Autumn sale", "--max-deferral", "3d");
        var badWindow = await host.RunCliAsync(key, "campaigns", "update", "autumn", "--window", "mon-fri 9-17");
        var get = await host.RunCliAsync(key, "campaigns", "get", "autumn");
        var tooFar = await host.RunCliAsync(key, "campaigns", "schedule", "autumn", "--at", "2099-01-01T08:00:00Z");
        var schedule = await host.RunCliAsync(key, "campaigns", "schedule", "autumn", "--at", DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
        var cancel = await host.RunCliAsync(key, "campaigns", "cancel", "autumn", "--reason", "postponed");
        var list = await host.RunCliAsync(key, "campaigns", "list");
        var watch = await host.RunCliAsync(key, "campaigns", "watch", "autumn", "--interval", "0.1");

        Assert.Equal((0, ""), (create.Code, create.Err));
        Assert.StartsWith("created autumn\tdraft\tAutumn", create.Out, StringComparison.Ordinal);
        Assert.StartsWith("updated autumn\tdraft\tAutumn sale", update.Out, StringComparison.Ordinal);
        Assert.Equal(1, badWindow.Code);
        Assert.Contains("invalid definition.windows[0].start", badWindow.Err, StringComparison.Ordinal);
        Assert.Contains("windows (Europe/Paris): mon,tue,wed,thu,fri 09:00-17:30, sat 10:00-12:00", get.Out, StringComparison.Ordinal);
        Assert.Contains("throttle: 600/min", get.Out, StringComparison.Ordinal);
        Assert.Contains("deferred retried for 3.00:00:00", get.Out, StringComparison.Ordinal);
        Assert.Equal(1, tooFar.Code);
        Assert.Contains("invalid start_at", tooFar.Err, StringComparison.Ordinal);
        Assert.StartsWith("scheduled autumn\tscheduled for ", schedule.Out, StringComparison.Ordinal);
        Assert.StartsWith("autumn\tcancelled (postponed)", cancel.Out, StringComparison.Ordinal);
        Assert.Contains("autumn\tcancelled\t", list.Out, StringComparison.Ordinal);
        Assert.Equal(0, watch.Code);
        Assert.Contains("cancelled (postponed)\t0/0 done", watch.Out, StringComparison.Ordinal);
    }
}
