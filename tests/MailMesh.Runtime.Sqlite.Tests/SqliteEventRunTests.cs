using System.Text;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>A write's events go into the event log several rows per statement, in runs of 64, 16, 4 and 1
/// (docs/adr/storage-05-multi-row-appends.md): every event still gets its own sequence, in order, and a repeated event id
/// anywhere in a run names that event and writes nothing.</summary>
public sealed class SqliteEventRunTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private SqliteStore _store = null!;
    private SqliteGrainStorage _storage = null!;
    private SqliteStateBatch _batch = null!;
    private SqliteEventLog _log = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(SqliteBackend.Options(_directory.File("mailmesh.db")));
        _storage = new SqliteGrainStorage(_store);
        _batch = new SqliteStateBatch(_store);
        _log = new SqliteEventLog(_store);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private static GrainId Grain(string key) => new("T", "acme/" + key);

    private static EventDraft[] Events(int count, string type = "message.sent") =>
        [.. Enumerable.Range(0, count).Select(i => new EventDraft(Guid.NewGuid(), "acme", type, "acme/spring", DateTimeOffset.UnixEpoch, $"{{\"i\":{i}}}"))];

    [Fact]
    public async Task WriteAsync_NinetyOneEvents_EachHasItsSequenceInOrder()
    {
        var first = await _storage.WriteAsync("s", Grain("w"), Encoding.UTF8.GetBytes("{}"), null, Events(1, "campaign.started"));
        // 64 + 16 + 4 + 4 + 1 + 1 + 1: every run size, and more than one of some.
        var events = Events(91);

        var written = await _storage.WriteAsync("s", Grain("w"), Encoding.UTF8.GetBytes("{}"), first.ETag, events);

        Assert.Equal(Enumerable.Range(2, 91).Select(i => (long)i), written.EventSequences);
        var stored = await _log.ReadAsync(2, 200);
        Assert.Equal(events.Select(e => e.EventId), stored.Select(e => e.EventId));
        Assert.Equal(written.EventSequences, stored.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, 91).Select(i => $"{{\"i\":{i}}}"), stored.Select(e => e.PayloadJson));
        Assert.Equal(92, await _log.GetLastSequenceAsync());
    }

    [Fact]
    public async Task WriteManyAsync_SeveralGrainsWithRunsOfEvents_SequencesFollowTheWritesInOrder()
    {
        var results = await _batch.WriteManyAsync(
        [
            new StateWrite("s", Grain("a"), Encoding.UTF8.GetBytes("{}"), null, Events(21)),
            new StateWrite("s", Grain("b"), Encoding.UTF8.GetBytes("{}"), null, Events(70)),
        ]);

        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), results[0].EventSequences);
        Assert.Equal(Enumerable.Range(22, 70).Select(i => (long)i), results[1].EventSequences);
        Assert.Equal(91, (await _log.ReadAsync(1, 200)).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(70)]
    [InlineData(89)]
    public async Task WriteAsync_AnEventIdAlreadyInTheLogInARun_NamesItAndWritesNothing(int position)
    {
        var existing = Events(1, "campaign.started")[0];
        var first = await _storage.WriteAsync("s", Grain("w"), Encoding.UTF8.GetBytes("{\"v\":1}"), null, [existing]);
        var events = Events(90);
        events[position] = events[position] with { EventId = existing.EventId };

        var error = await Assert.ThrowsAsync<StorageException>(
            () => _storage.WriteAsync("s", Grain("w"), Encoding.UTF8.GetBytes("{\"v\":2}"), first.ETag, events));

        Assert.Contains(existing.EventId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(first.ETag, (await _storage.ReadAsync("s", Grain("w")))!.ETag);
        Assert.Equal(1, await _log.GetLastSequenceAsync());
        var next = await _storage.WriteAsync("s", Grain("w"), Encoding.UTF8.GetBytes("{\"v\":3}"), first.ETag, Events(5));
        Assert.Equal([2L, 3L, 4L, 5L, 6L], next.EventSequences);
    }
}
