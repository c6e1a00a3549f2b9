using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Time.Testing;

namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteEventWaitTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("mailmesh.db");

    public void Dispose() => _directory.Dispose();

    private static EventDraft Event() => new(Guid.NewGuid(), "acme", "mailbox.created", "acme/box", DateTimeOffset.UnixEpoch, "{}");

    [Fact]
    public async Task WaitForEventsAsync_AnotherStoreOnTheFileCommits_WakesAtTheNextPollOnly()
    {
        var time = new FakeTimeProvider();
        var options = SqliteBackend.Options(DatabasePath);
        options.EventPollInterval = TimeSpan.FromSeconds(1);
        await using var reader = await SqliteStore.OpenAsync(options, timeProvider: time);
        // A second store stands for another process: its commits cannot signal the reader's store.
        await using var writer = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));
        var waiting = new SqliteEventLog(reader).WaitForEventsAsync(0);

        await new SqliteGrainStorage(writer).ClearAsync("s", GrainId.Create("T", "acme/box"), null, [Event()]);
        Assert.False(waiting.IsCompleted, "the wait ended before its poll interval elapsed: it must not spin on the file");
        time.Advance(options.EventPollInterval);

        await waiting.WaitAsync(Patience);
        Assert.Equal(1, await new SqliteEventLog(reader).GetLastSequenceAsync());
    }

    [Fact]
    public async Task WaitForEventsAsync_StartedWithinThePollIntervalOfTheLastLook_LooksAtTheFileWhenTheIntervalEnds()
    {
        var time = new FakeTimeProvider();
        var options = SqliteBackend.Options(DatabasePath);
        options.EventPollInterval = TimeSpan.FromSeconds(1);
        await using var reader = await SqliteStore.OpenAsync(options, timeProvider: time);
        await using var writer = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));
        var log = new SqliteEventLog(reader);
        Assert.Equal(0, await log.GetLastSequenceAsync());
        await new SqliteGrainStorage(writer).ClearAsync("s", GrainId.Create("T", "acme/box"), null, [Event()]);
        time.Advance(TimeSpan.FromMilliseconds(400));

        var waiting = log.WaitForEventsAsync(0);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(waiting.IsCompleted, "the wait looked at the file again within the poll interval of the last look");
        time.Advance(TimeSpan.FromMilliseconds(600));

        await waiting.WaitAsync(Patience);
        Assert.Equal(1, await log.GetLastSequenceAsync());
    }

    [Fact]
    public async Task WaitForEventsAsync_ThisStoreCommits_WakesWithoutThePoll()
    {
        var time = new FakeTimeProvider();
        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath), timeProvider: time);
        var waiting = new SqliteEventLog(store).WaitForEventsAsync(0);
        Assert.False(waiting.IsCompleted, "the wait ended before any event existed");

        await new SqliteGrainStorage(store).ClearAsync("s", GrainId.Create("T", "acme/box"), null, [Event()]);

        await waiting.WaitAsync(Patience);
    }

    [Fact]
    public async Task WaitForEventsAsync_CancelledWhileWaiting_EndsWithoutThePoll()
    {
        var time = new FakeTimeProvider();
        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath), timeProvider: time);
        using var cancellation = new CancellationTokenSource();
        var waiting = new SqliteEventLog(store).WaitForEventsAsync(0, cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task TimedWait_TheLogStaysQuiet_ReturnsFalseWhenTheTimeRunsOut()
    {
        var time = new FakeTimeProvider();
        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath), timeProvider: time);
        var waiting = new SqliteEventLog(store).WaitForEventsAsync(0, TimeSpan.FromSeconds(5), time);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted, "the wait ended before its limit");

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task TimedWait_AnEventIsCommittedInTime_ReturnsTrue()
    {
        var time = new FakeTimeProvider();
        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath), timeProvider: time);
        var waiting = new SqliteEventLog(store).WaitForEventsAsync(0, TimeSpan.FromSeconds(5), time);

        await new SqliteGrainStorage(store).ClearAsync("s", GrainId.Create("T", "acme/box"), null, [Event()]);

        Assert.True(await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task TimedWait_TheCallerCancels_ThrowsRatherThanReportingATimeout()
    {
        var time = new FakeTimeProvider();
        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath), timeProvider: time);
        using var cancellation = new CancellationTokenSource();
        var waiting = new SqliteEventLog(store).WaitForEventsAsync(0, TimeSpan.FromSeconds(5), time, cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
    }
}
