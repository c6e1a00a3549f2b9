using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>Two stores over one file stand for two processes: SQLite's file locks, not the store's writer loop,
/// keep their writes apart.</summary>
public sealed class SqliteSharedFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task WriteAsync_TwoStoresWritingAtOnce_SequencesHaveNoGapsAndNoDuplicates()
    {
        var path = _directory.File("mailmesh.db");
        await using var first = await SqliteStore.OpenAsync(SqliteBackend.Options(path));
        await using var second = await SqliteStore.OpenAsync(SqliteBackend.Options(path));
        var storages = new[] { new SqliteGrainStorage(first), new SqliteGrainStorage(second) };
        using var start = new SemaphoreSlim(0);
        var writers = Enumerable.Range(0, 20).Select(w => Task.Run(async () =>
        {
            await start.WaitAsync();
            var storage = storages[w % 2];
            var grain = GrainId.Create("T", $"acme/w{w}");
            string? etag = null;
            var sequences = new List<long>();
            for (var i = 0; i < 10; i++)
            {
                var draft = new EventDraft(Guid.NewGuid(), "acme", "test.written", grain.Key, DateTimeOffset.UnixEpoch, "{}");
                var result = await storage.WriteAsync("s", grain, "{}"u8.ToArray(), etag, [draft, draft with { EventId = Guid.NewGuid() }]);
                etag = result.ETag;
                sequences.AddRange(result.EventSequences);
            }

            return sequences;
        })).ToArray();
        start.Release(writers.Length);

        var all = (await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60))).SelectMany(s => s).Order().ToArray();

        Assert.Equal(Enumerable.Range(1, 400).Select(n => (long)n), all);
        Assert.Equal(400, await new SqliteEventLog(first).GetLastSequenceAsync());
        var stored = await new SqliteEventLog(second).ReadAsync(0, 1000);
        Assert.Equal(all, stored.Select(e => e.Sequence));
    }
}
