using System.Collections.Concurrent;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>Writes queued together commit in one transaction, each in its own savepoint. The writer loop is held
/// at a gate on a first batch so that the next writes queue up behind it and form one batch.</summary>
public sealed class SqliteGroupCommitTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _directory = new();
    private readonly ConcurrentQueue<int> _batchSizes = new();
    private readonly TaskCompletionSource _firstBatchStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _gate = new(false);
    private SqliteStore _store = null!;

    public async Task InitializeAsync()
    {
        var options = SqliteBackend.Options(_directory.File("mailmesh.db"));
        options.MaxDatabaseSizeBytes = 512 * 1024;
        _store = await SqliteStore.OpenAsync(options);
    }

    public async Task DisposeAsync()
    {
        _gate.Set();
        await _store.DisposeAsync();
        _gate.Dispose();
        _directory.Dispose();
    }

    private SqliteGrainStorage Storage => new(_store);

    private static GrainId Grain(string name) => GrainId.Create("T", $"acme/{name}");

    private static EventDraft Event(string subject) => new(Guid.NewGuid(), "acme", "test.written", subject, DateTimeOffset.UnixEpoch, "{}");

    /// <summary>Starts a write and holds the writer loop inside its batch until the gate opens.</summary>
    private async Task<Task<WriteResult>> HoldWriterLoopAsync()
    {
        _store.BatchStarting = size =>
        {
            _batchSizes.Enqueue(size);
            _firstBatchStarted.TrySetResult();
            // Blocks the writer loop (a thread-pool thread) until the test has queued what it wants batched.
            if (!_gate.Wait(Patience))
            {
                throw new TimeoutException("The test never opened the writer loop's gate.");
            }
        };
        var held = Storage.WriteAsync("s", Grain("held"), "{}"u8.ToArray(), null, [Event("held")]);
        await _firstBatchStarted.Task.WaitAsync(Patience);
        return held;
    }

    [Fact]
    public async Task WriteAsync_QueuedTogether_CommitInOneBatchAndOnlyTheFailingWritesAreUndone()
    {
        var held = await HoldWriterLoopAsync();
        var duplicate = Event("dup");

        var a = Storage.WriteAsync("s", Grain("a"), "{\"a\":1}"u8.ToArray(), null, [Event("a"), duplicate]);
        var stale = Storage.WriteAsync("s", Grain("a"), "{\"stale\":1}"u8.ToArray(), null, [Event("stale")]);
        var reused = Storage.WriteAsync("s", Grain("b"), "{\"b\":1}"u8.ToArray(), null, [Event("b"), duplicate]);
        var c = Storage.WriteAsync("s", Grain("c"), "{\"c\":1}"u8.ToArray(), null, [Event("c")]);
        _gate.Set();

        Assert.Equal([1L], (await held.WaitAsync(Patience)).EventSequences);
        Assert.Equal([2L, 3L], (await a.WaitAsync(Patience)).EventSequences);
        await Assert.ThrowsAsync<InconsistentStateException>(() => stale.WaitAsync(Patience));
        var duplicateError = await Assert.ThrowsAsync<StorageException>(() => reused.WaitAsync(Patience));
        Assert.Contains(duplicate.EventId.ToString(), duplicateError.Message, StringComparison.Ordinal);
        Assert.Equal([4L], (await c.WaitAsync(Patience)).EventSequences);
        Assert.Equal([1, 4], _batchSizes);
        Assert.Null(await Storage.ReadAsync("s", Grain("b")));
        Assert.Equal("{\"a\":1}"u8.ToArray(), (await Storage.ReadAsync("s", Grain("a")))!.Payload);
        var events = await new SqliteEventLog(_store).ReadAsync(0, 100);
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileQueued_NeverRuns()
    {
        var held = await HoldWriterLoopAsync();
        using var cancellation = new CancellationTokenSource();

        var withdrawn = Storage.WriteAsync("s", Grain("withdrawn"), "{}"u8.ToArray(), null, [Event("withdrawn")], cancellation.Token);
        var kept = Storage.WriteAsync("s", Grain("kept"), "{}"u8.ToArray(), null, [Event("kept")]);
        await cancellation.CancelAsync();
        _gate.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn.WaitAsync(Patience));
        await held.WaitAsync(Patience);
        Assert.Equal([2L], (await kept.WaitAsync(Patience)).EventSequences);
        Assert.Null(await Storage.ReadAsync("s", Grain("withdrawn")));
        Assert.Equal([1, 1], _batchSizes);
    }

    [Fact]
    public async Task WriteAsync_OneWriteOfABatchDoesNotFitOnDisk_OnlyItFails()
    {
        var filler = new byte[16 * 1024];
        var written = new List<WriteResult>();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                written.Add(await Storage.WriteAsync("s", Grain($"fill-{i}"), filler, null, []));
            }
            catch (StorageException)
            {
                break;
            }
        }

        Assert.InRange(written.Count, 1, 99);
        await Storage.ClearAsync("s", Grain("fill-0"), written[0].ETag, []);
        await Storage.ClearAsync("s", Grain("fill-1"), written[1].ETag, []);
        var held = await HoldWriterLoopAsync();

        var small = Storage.WriteAsync("s", Grain("small"), "{}"u8.ToArray(), null, [Event("small")]);
        var huge = Storage.WriteAsync("s", Grain("huge"), new byte[256 * 1024], null, [Event("huge")]);
        var other = Storage.WriteAsync("s", Grain("other"), "{}"u8.ToArray(), null, [Event("other")]);
        _gate.Set();

        await held.WaitAsync(Patience);
        var full = await Assert.ThrowsAsync<StorageException>(() => huge.WaitAsync(Patience));
        Assert.Contains("is full", full.Message, StringComparison.Ordinal);
        Assert.Contains(Grain("huge").ToString(), full.Message, StringComparison.Ordinal);
        var sequences = new[] { await small.WaitAsync(Patience), await other.WaitAsync(Patience) }.SelectMany(r => r.EventSequences);
        Assert.Equal([2L, 3L], sequences.Order());
        Assert.Null(await Storage.ReadAsync("s", Grain("huge")));
        var events = await new SqliteEventLog(_store).ReadAsync(0, 100);
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task DisposeAsync_WithQueuedWrites_CommitsThemBeforeClosing()
    {
        var held = await HoldWriterLoopAsync();
        var queued = Enumerable.Range(0, 5)
            .Select(i => Storage.WriteAsync("s", Grain($"queued-{i}"), "{}"u8.ToArray(), null, [Event($"queued-{i}")]))
            .ToArray();

        var disposing = _store.DisposeAsync().AsTask();
        _gate.Set();
        await disposing.WaitAsync(Patience);

        await held.WaitAsync(Patience);
        await Task.WhenAll(queued).WaitAsync(Patience);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Storage.WriteAsync("s", Grain("late"), "{}"u8.ToArray(), null, []));
        await using var reopened = await SqliteStore.OpenAsync(SqliteBackend.Options(_store.DatabasePath));
        Assert.Equal(6, await new SqliteEventLog(reopened).GetLastSequenceAsync());
        Assert.NotNull(await new SqliteGrainStorage(reopened).ReadAsync("s", Grain("queued-4")));
    }
}
