using System.Text;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteStateBatchTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private SqliteStore _store = null!;
    private SqliteStateBatch _batch = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(SqliteBackend.Options(_directory.File("mailmesh.db")));
        _batch = new SqliteStateBatch(_store);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private static GrainId Grain(string key) => new("T", "acme/" + key);

    private static StateWrite Write(string key, string payload, string? expected, params string[] events) =>
        new("s", Grain(key), Encoding.UTF8.GetBytes(payload), expected,
            [.. events.Select(e => new EventDraft(Guid.NewGuid(), "acme", e, "acme/" + key, DateTimeOffset.UnixEpoch, "{}"))]);

    [Fact]
    public async Task WriteManyAsync_NewGrains_WritesStatesAndEventsInOrder()
    {
        var results = await _batch.WriteManyAsync([Write("b", "B", null, "x.created"), Write("a", "A", null, "x.created", "x.listed")]);

        var stored = await _batch.ReadManyAsync("s", [Grain("a"), Grain("b"), Grain("c")]);
        Assert.Equal("A", Encoding.UTF8.GetString(stored[0]!.Payload));
        Assert.Equal(results[1].ETag, stored[0]!.ETag);
        Assert.Equal("B", Encoding.UTF8.GetString(stored[1]!.Payload));
        Assert.Equal(results[0].ETag, stored[1]!.ETag);
        Assert.Null(stored[2]);
        Assert.Equal([1L], results[0].EventSequences);
        Assert.Equal([2L, 3L], results[1].EventSequences);
    }

    [Fact]
    public async Task WriteManyAsync_ExpectedETagsMatch_ReplacesStatesWithNewETags()
    {
        var first = await _batch.WriteManyAsync([Write("a", "A1", null), Write("b", "B1", null)]);

        var second = await _batch.WriteManyAsync([Write("a", "A2", first[0].ETag), Write("b", "B2", first[1].ETag)]);

        var stored = await _batch.ReadManyAsync("s", [Grain("a"), Grain("b")]);
        Assert.Equal(["A2", "B2"], stored.Select(s => Encoding.UTF8.GetString(s!.Payload)));
        Assert.Equal(second.Select(r => r.ETag), stored.Select(s => s!.ETag));
        Assert.NotEqual(first[0].ETag, second[0].ETag);
    }

    [Fact]
    public async Task WriteManyAsync_RowExistsWhereNoneExpected_WritesNothingAndNamesTheStoredETag()
    {
        var existing = await _batch.WriteManyAsync([Write("b", "B1", null)]);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _batch.WriteManyAsync([Write("a", "A", null, "x.created"), Write("b", "B2", null, "x.created")]));

        Assert.Equal(Grain("b"), error.Grain);
        Assert.Null(error.ExpectedETag);
        Assert.Equal(existing[0].ETag, error.StoredETag);
        var stored = await _batch.ReadManyAsync("s", [Grain("a"), Grain("b")]);
        Assert.Null(stored[0]);
        Assert.Equal("B1", Encoding.UTF8.GetString(stored[1]!.Payload));
        Assert.Equal(0L, await new SqliteEventLog(_store).GetLastSequenceAsync());
    }

    [Fact]
    public async Task WriteManyAsync_StaleETag_WritesNothing()
    {
        var first = await _batch.WriteManyAsync([Write("a", "A1", null), Write("b", "B1", null)]);
        await _batch.WriteManyAsync([Write("b", "B2", first[1].ETag)]);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _batch.WriteManyAsync([Write("a", "A2", first[0].ETag), Write("b", "B3", first[1].ETag)]));

        Assert.Equal(first[1].ETag, error.ExpectedETag);
        var stored = await _batch.ReadManyAsync("s", [Grain("a"), Grain("b")]);
        Assert.Equal(["A1", "B2"], stored.Select(s => Encoding.UTF8.GetString(s!.Payload)));
    }

    [Fact]
    public async Task WriteManyAsync_ETagExpectedButNoRow_ThrowsWithNoStoredETag()
    {
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _batch.WriteManyAsync([Write("a", "A", "0123")]));

        Assert.Equal("0123", error.ExpectedETag);
        Assert.Null(error.StoredETag);
        Assert.Null((await _batch.ReadManyAsync("s", [Grain("a")]))[0]);
    }

    [Fact]
    public async Task WriteManyAsync_AfterSingleWrite_SeesTheGrainStoragesETag()
    {
        var single = await new SqliteGrainStorage(_store).WriteAsync("s", Grain("a"), Encoding.UTF8.GetBytes("A1"), null, []);

        var batch = await _batch.WriteManyAsync([Write("a", "A2", single.ETag)]);

        var read = await new SqliteGrainStorage(_store).ReadAsync("s", Grain("a"));
        Assert.Equal(batch[0].ETag, read!.ETag);
        Assert.Equal("A2", Encoding.UTF8.GetString(read.Payload));
    }

    [Fact]
    public async Task ReadETagsAsync_MixedTypesAndMissingRows_AnswersEachGrainsETagInOrder()
    {
        var written = await _batch.WriteManyAsync(
            [Write("a", "A", null), Write("b", "B", null), new("s", new GrainId("U", "acme/a"), Encoding.UTF8.GetBytes("UA"), null, [])]);
        await _batch.WriteManyAsync([new("other", Grain("c"), Encoding.UTF8.GetBytes("C"), null, [])]);

        var etags = await _batch.ReadETagsAsync("s", [Grain("b"), new GrainId("U", "acme/a"), Grain("c"), Grain("a"), new GrainId("U", "acme/b")]);

        Assert.Equal([written[1].ETag, written[2].ETag, null, written[0].ETag, null], etags);
    }

    [Fact]
    public async Task ReadETagsAsync_AfterWriteAndClear_AnswersTheETagsAReadWouldHold()
    {
        var first = await _batch.WriteManyAsync([Write("a", "A1", null), Write("b", "B1", null)]);
        await _batch.WriteManyAsync([Write("a", "A2", first[0].ETag)]);
        await new SqliteGrainStorage(_store).ClearAsync("s", Grain("b"), first[1].ETag, []);

        var etags = await _batch.ReadETagsAsync("s", [Grain("a"), Grain("b")]);

        var stored = await _batch.ReadManyAsync("s", [Grain("a"), Grain("b")]);
        Assert.Equal(stored.Select(s => s?.ETag), etags);
        Assert.NotEqual(first[0].ETag, etags[0]);
        Assert.Null(etags[1]);
    }

    [Fact]
    public async Task ReadETagsAsync_MoreThanOneCallMayRead_ThrowsBeforeReading()
    {
        var grains = Enumerable.Range(0, SqliteStateBatch.MaxBatch + 1).Select(i => Grain("k" + i)).ToArray();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _batch.ReadETagsAsync("s", grains));

        Assert.Equal("grains", error.ParamName);
    }
}
