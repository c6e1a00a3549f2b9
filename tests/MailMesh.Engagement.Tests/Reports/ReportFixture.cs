using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Tests.Reports;

/// <summary>The three report stores in a temporary directory, with helpers that seed them the way the product writes
/// them (send log transitions, stored hits, notice events in an event log).</summary>
public sealed class ReportFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("mailmesh-reports-").FullName;

    public ReportFixture()
    {
        SendLog = new SqliteSendLog(Path.Combine(_directory, "campaigns.db"));
        Hits = new HitStore(Path.Combine(_directory, "engagement.db"));
        Notices = new ReportNoticeStore(Path.Combine(_directory, "reports.db"), Events, batchSize: 2);
    }

    public SqliteSendLog SendLog { get; }

    public HitStore Hits { get; }

    public ListEventLog Events { get; } = new();

    public ReportNoticeStore Notices { get; }

    public async Task InitializeAsync()
    {
        await SendLog.PrepareReportsAsync();
        await Hits.PrepareReportsAsync();
        await Notices.InitializeAsync();
    }

    /// <summary>Plans <paramref name="contacts"/> for a campaign and drives each to <paramref name="status"/> at <paramref name="at"/>
    /// (deferred once first when <paramref name="deferredFirst"/>).</summary>
    public async Task SendAsync(string tenant, string campaign, SendStatus status, DateTimeOffset at, bool deferredFirst = false, params string[] contacts)
    {
        await SendLog.EnqueueAsync(tenant, campaign, [.. contacts.Select(c => new PlannedSend(c, SendId.For(tenant, campaign, c), 0, T0))], T0);
        foreach (var contact in contacts)
        {
            var id = SendId.For(tenant, campaign, contact);
            var expected = SendStatus.Queued;
            if (deferredFirst)
            {
                Assert.True(await SendLog.TryMarkSendingAsync(tenant, id, expected, "<m>", at.AddMinutes(-30)));
                await SendLog.CompleteAsync(tenant, id, SendStatus.Deferred, 451, "try later", at.AddMinutes(-20), at.AddMinutes(-30));
                expected = SendStatus.Deferred;
            }

            switch (status)
            {
                case SendStatus.Queued:
                    break;
                case SendStatus.Sending:
                    Assert.True(await SendLog.TryMarkSendingAsync(tenant, id, expected, "<m>", at));
                    break;
                case SendStatus.Sent or SendStatus.Deferred or SendStatus.Failed:
                    Assert.True(await SendLog.TryMarkSendingAsync(tenant, id, expected, "<m>", at));
                    await SendLog.CompleteAsync(tenant, id, status, status == SendStatus.Sent ? 250 : 550, "reply", status == SendStatus.Deferred ? at.AddHours(1) : null, at);
                    break;
                default:
                    Assert.True(await SendLog.SkipAsync(tenant, id, status, "skipped", at));
                    break;
            }
        }
    }

    public Task HitAsync(string tenant, string campaign, string contact, HitKind kind, DateTimeOffset at, bool machine = false, int link = 0) =>
        Hits.InsertAsync([new HitRecord(
            Guid.NewGuid(), kind, tenant, campaign, contact, link, kind == HitKind.Click ? $"https://example.com/link-{link}" : null, at, T0, "192.0.2.1",
            "test", machine, machine ? "apple-mpp" : null)]);

    public void Bounce(string tenant, string campaign, string address, string type, DateTimeOffset at) =>
        Events.Add(tenant, "message.bounced", $$"""{"address":"{{address}}","campaignId":"{{campaign}}","type":"{{type}}","reason":"user_unknown"}""", at);

    public void Complaint(string tenant, string campaign, string address, DateTimeOffset at) =>
        Events.Add(tenant, "message.complained", $$"""{"address":"{{address}}","campaignId":"{{campaign}}","feedbackType":"abuse"}""", at);

    /// <summary>A members database holding <paramref name="contacts"/>.</summary>
    public async Task<string> MembersAsync(params string[] contacts)
    {
        var path = Path.Combine(_directory, $"members-{Guid.NewGuid():N}.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = ReportMembers.Schema + ";" + string.Concat(contacts.Select((_, i) => $"INSERT INTO members VALUES ($c{i});"));
        for (var i = 0; i < contacts.Length; i++)
        {
            command.Parameters.AddWithValue($"$c{i}", contacts[i]);
        }

        await command.ExecuteNonQueryAsync();
        return path;
    }

    public ValueTask DisposeAsync()
    {
        SendLog.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>An in-memory event log with the filter semantics of the real ones.</summary>
public sealed class ListEventLog : IEventLog
{
    private readonly List<EventRecord> _events = [];

    public void Add(string tenant, string type, string payload, DateTimeOffset at)
    {
        lock (_events)
        {
            _events.Add(new EventRecord(_events.Count + 1, Guid.NewGuid(), tenant, type, tenant + "/c", at, payload));
        }
    }

    public Task<IReadOnlyList<EventRecord>> ReadAsync(long fromSequence, int maxCount, EventFilter? filter = null, CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            var prefix = filter?.TypePrefix;
            return Task.FromResult<IReadOnlyList<EventRecord>>(_events
                .Where(e => e.Sequence >= fromSequence && (prefix is null || e.Type == prefix || e.Type.StartsWith(prefix + ".", StringComparison.Ordinal)))
                .Where(e => filter?.Tenant is null || e.Tenant == filter.Tenant)
                .Take(maxCount).ToList());
        }
    }

    public Task<long> GetLastSequenceAsync(CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            return Task.FromResult((long)_events.Count);
        }
    }

    public Task WaitForEventsAsync(long afterSequence, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("report catch-up never waits for events");
}
