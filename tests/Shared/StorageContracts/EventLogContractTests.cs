using MailMesh.Testing;

namespace MailMesh.Runtime.Storage.Contracts;

/// <summary>What every <see cref="IEventLog"/> must do (events are appended through
/// <see cref="IGrainStorage"/>, the only way in).</summary>
public abstract class EventLogContractTests : StorageContractTestBase
{
    private IEventLog Log => Backend.EventLog;

    private async Task<long[]> AppendAsync(params EventDraft[] events)
    {
        var result = await Backend.GrainStorage.ClearAsync("events", Grain(), null, events);
        return [.. result.EventSequences];
    }

    private async Task SeedAsync()
    {
        await AppendAsync(
            Event("mailbox.created", "acme", "acme/box-1"),
            Event("message.received", "acme", "acme/box-1"),
            Event("mailbox.created", "globex", "globex/box-9"),
            Event("mailboxes.reindexed", "acme", "acme/box-2"),
            Event("mailbox", "acme", "acme/box-2"),
            Event("mailbox.renamed", "acme", "acme/box-2"),
            Event("message.received", "globex", "globex/box-9"));
    }

    [SkippableFact]
    public async Task GetLastSequenceAsync_EmptyLog_ReturnsZero()
    {
        Assert.Equal(0, await Log.GetLastSequenceAsync());
        Assert.Empty(await Log.ReadAsync(0, 10));
    }

    [SkippableFact]
    public async Task ReadAsync_AfterAppend_RoundTripsEveryField()
    {
        var draft = new EventDraft(Guid.NewGuid(), "acme", "mailbox.created", "acme/box-1",
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)).AddTicks(1234567), "{\"name\":\"Inbox\",\"ü\":[1,2]}");

        await AppendAsync(draft);

        var stored = Assert.Single(await Log.ReadAsync(1, 10));
        Assert.Equal(new EventRecord(1, draft.EventId, draft.Tenant, draft.Type, draft.Subject, draft.Time, draft.PayloadJson), stored);
        Assert.Equal(draft.Time.Offset, stored.Time.Offset);
    }

    [SkippableFact]
    public async Task ReadAsync_FromTheMiddle_ReturnsTheTailInOrder()
    {
        await SeedAsync();

        var tail = await Log.ReadAsync(4, 100);

        Assert.Equal([4L, 5L, 6L, 7L], tail.Select(e => e.Sequence));
        Assert.Equal(7, await Log.GetLastSequenceAsync());
    }

    [SkippableFact]
    public async Task ReadAsync_MaxCount_ReturnsAtMostThatMany()
    {
        await SeedAsync();

        Assert.Equal([2L, 3L], (await Log.ReadAsync(2, 2)).Select(e => e.Sequence));
        Assert.Empty(await Log.ReadAsync(8, 10));
    }

    [SkippableFact]
    public async Task ReadAsync_TenantFilter_ReturnsOnlyThatTenant()
    {
        await SeedAsync();

        var globex = await Log.ReadAsync(0, 100, new EventFilter(Tenant: "globex"));

        Assert.Equal([3L, 7L], globex.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task ReadAsync_TypePrefix_MatchesWholeDottedSegmentsOnly()
    {
        await SeedAsync();

        var mailbox = await Log.ReadAsync(0, 100, new EventFilter(TypePrefix: "mailbox"));
        var exact = await Log.ReadAsync(0, 100, new EventFilter(TypePrefix: "message.received"));

        Assert.Equal([1L, 3L, 5L, 6L], mailbox.Select(e => e.Sequence));
        Assert.Equal([2L, 7L], exact.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task ReadAsync_SubjectFilter_ReturnsOnlyThatSubject()
    {
        await SeedAsync();

        var box2 = await Log.ReadAsync(0, 100, new EventFilter(Subject: "acme/box-2"));

        Assert.Equal([4L, 5L, 6L], box2.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task ReadAsync_CombinedFilterFromTheMiddle_AppliesAllOfThem()
    {
        await SeedAsync();

        var events = await Log.ReadAsync(2, 1, new EventFilter("acme", "mailbox", "acme/box-2"));
        var rest = await Log.ReadAsync(events[0].Sequence + 1, 10, new EventFilter("acme", "mailbox", "acme/box-2"));

        Assert.Equal([5L], events.Select(e => e.Sequence));
        Assert.Equal([6L], rest.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task ReadAsync_TypePrefixWithTrailingDot_MeansTheSamePrefix()
    {
        await SeedAsync();

        var events = await Log.ReadAsync(0, 100, new EventFilter(TypePrefix: "mailbox."));

        Assert.Equal([1L, 3L, 5L, 6L], events.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task ReadAsync_BadArguments_Throw()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Log.ReadAsync(-1, 10));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Log.ReadAsync(0, 0));
        var emptyTenant = await Assert.ThrowsAnyAsync<ArgumentException>(() => Log.ReadAsync(0, 10, new EventFilter(Tenant: "")));
        Assert.Contains("Tenant", emptyTenant.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Log.ReadAsync(0, 10, new EventFilter(TypePrefix: ".")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Log.ReadAsync(0, 10, new EventFilter(Subject: "")));
    }

    [SkippableFact]
    public async Task WaitForEventsAsync_EventAlreadyThere_CompletesAtOnce()
    {
        await SeedAsync();

        await Within(Log.WaitForEventsAsync(6), "a wait after sequence 6 to see event 7, which was already stored");
    }

    [SkippableFact]
    public async Task WaitForEventsAsync_EventAppendedLater_Wakes()
    {
        await AppendAsync(Event());
        var waiting = Log.WaitForEventsAsync(1);
        Assert.False(waiting.IsCompleted, "the wait completed before any event after sequence 1 existed");

        await AppendAsync(Event());

        await Within(waiting, "the wait after sequence 1 to wake when event 2 was appended");
    }

    [SkippableFact]
    public async Task WaitForEventsAsync_ManyWaitersOneAppend_AllWake()
    {
        var waiters = Enumerable.Range(0, 20).Select(_ => Log.WaitForEventsAsync(0)).ToArray();

        await AppendAsync(Event());

        await Within(Task.WhenAll(waiters), "20 waiters to wake after one append");
    }

    [SkippableFact]
    public async Task WaitForEventsAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var waiting = Log.WaitForEventsAsync(0, cancellation.Token);

        await cancellation.CancelAsync();

        await Within(Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting), "the cancelled wait to end");
        Assert.Equal(0, await Log.GetLastSequenceAsync());
    }

    [SkippableFact]
    public async Task ReopenAsync_SequenceContinuesWithoutGapOrDuplicate()
    {
        await AppendAsync(Event(), Event(), Event());

        await ReopenAsync();
        var next = await AppendAsync(Event(), Event());

        Assert.Equal([4L, 5L], next);
        var all = await Log.ReadAsync(0, 100);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], all.Select(e => e.Sequence));
        Assert.Equal(5, all.Select(e => e.EventId).Distinct().Count());
    }
}
