using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteReaderPoolTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ReadAsync_ManyMoreReadersThanConnections_AllCompleteWhileWritesGoOn()
    {
        var options = SqliteBackend.Options(_directory.File("mailmesh.db"));
        options.MaxReadConnections = 2;
        await using var store = await SqliteStore.OpenAsync(options);
        var storage = new SqliteGrainStorage(store);
        var grain = GrainId.Create("T", "acme/shared");
        var first = await storage.WriteAsync("s", grain, "{\"v\":0}"u8.ToArray(), null, []);

        var writes = Task.Run(async () =>
        {
            var etag = first.ETag;
            for (var i = 1; i <= 50; i++)
            {
                etag = (await storage.WriteAsync("s", grain, System.Text.Encoding.UTF8.GetBytes($"{{\"v\":{i}}}"), etag, [])).ETag;
            }
        });
        var reads = Enumerable.Range(0, 200).Select(_ => Task.Run(() => storage.ReadAsync("s", grain))).ToArray();

        var results = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(30));
        await writes.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.StartsWith("{\"v\":", System.Text.Encoding.UTF8.GetString(r!.Payload), StringComparison.Ordinal));
        Assert.Equal("{\"v\":50}"u8.ToArray(), (await storage.ReadAsync("s", grain))!.Payload);
    }

    [Fact]
    public async Task ReadAsync_CancelledWhileWaitingForAConnection_Throws()
    {
        var options = SqliteBackend.Options(_directory.File("mailmesh.db"));
        options.MaxReadConnections = 1;
        await using var store = await SqliteStore.OpenAsync(options);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new SqliteEventLog(store).ReadAsync(0, 10, cancellationToken: cancelled.Token));

        Assert.Empty(await new SqliteEventLog(store).ReadAsync(0, 10));
    }
}
