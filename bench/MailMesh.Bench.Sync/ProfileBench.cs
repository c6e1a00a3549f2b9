using System.Diagnostics;
using MailMesh.Blobs.Local;
using MailMesh.Protocols.Imap;

namespace MailMesh.Bench.Sync;

/// <summary>Splits the initial sync's time: the IMAP fetch alone (bodies discarded), the local blob store alone in
/// both layouts (the same number of puts of the same size, 64 at a time and one flush per 1,000 as the sync does), the
/// whole sync, and mbsync.</summary>
internal static class ProfileBench
{
    public static async Task<int> RunAsync(BenchServer server, int count)
    {
        var folder = "mmbench-" + Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("mailmesh-bench-profile-").FullName;
        BenchServer.LoadMaildir(server.MaildirOf(server.User, folder), 1, count);
        try
        {
            var fetchOnly = await FetchOnlyAsync(server, folder, count);
            Console.WriteLine($"warm-up fetch {fetchOnly:0.00} s; {BenchServer.Load()}");
            fetchOnly = await FetchOnlyAsync(server, folder, count);
            Console.WriteLine($"IMAP fetch alone (bodies discarded):  {fetchOnly:0.00} s ({count / fetchOnly:0} msg/s)");
            var files = await BlobsOnlyAsync(Path.Combine(work, "blobs-files"), count, new LocalBlobStoreOptions { PackBlobsUpTo = 0 });
            Console.WriteLine($"local blob store alone, one file per blob ({count} puts + flush): {files:0.00} s ({count / files:0} puts/s)");
            var packed = await BlobsOnlyAsync(Path.Combine(work, "blobs-packed"), count, new LocalBlobStoreOptions());
            Console.WriteLine($"local blob store alone, packed ({count} puts + flush):        {packed:0.00} s ({count / packed:0} puts/s)");
            await using (var silo = await BenchSilo.StartAsync(Path.Combine(work, "silo")))
            {
                var (status, elapsed) = await silo.InitialSyncAsync("bench/profile", ImapSyncBench.Source(server, folder));
                BenchSilo.Check(status, count);
                Console.WriteLine($"whole mailbox sync:                   {elapsed.TotalSeconds:0.00} s ({count / elapsed.TotalSeconds:0} msg/s)");
            }

            if (BenchServer.Has("mbsync"))
            {
                var peer = Peers.Mbsync(server, folder, count, Path.Combine(work, "mbsync"));
                Console.WriteLine($"mbsync (FSync no):                    {peer:0.00} s ({count / peer:0} msg/s)");
            }

            Console.WriteLine(BenchServer.Load());
            return 0;
        }
        finally
        {
            await using (var cleanup = await server.ConnectAsync())
            {
                await cleanup.DeleteMailboxAsync(folder);
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<double> FetchOnlyAsync(BenchServer server, string folder, int count)
    {
        var clock = Stopwatch.StartNew();
        await using var client = await server.ConnectAsync();
        await client.ExamineAsync(folder);
        var sink = new ImapSyncBench.DiscardSink();
        await client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Summary | ImapFetchItems.Body), sink);
        return sink.Messages == count ? clock.Elapsed.TotalSeconds : throw new InvalidOperationException($"fetched {sink.Messages} of {count}");
    }

    /// <summary>The puts, and one flush per 1,000 (the sync's batch), as the sync does them.</summary>
    private static async Task<double> BlobsOnlyAsync(string directory, int count, LocalBlobStoreOptions options)
    {
        using var store = new LocalDirectoryBlobStore(directory, options: options);
        var message = BenchServer.Message(1);
        var clock = Stopwatch.StartNew();
        var pending = new Queue<Task>();
        for (var i = 1; i <= count; i++)
        {
            pending.Enqueue(store.PutAsync($"mail/bench/f1/1/{i}.eml", new MemoryStream(message, writable: false), "message/rfc822"));
            if (pending.Count >= 64)
            {
                await pending.Dequeue();
            }

            if (i % 1000 == 0)
            {
                while (pending.TryDequeue(out var put))
                {
                    await put;
                }

                await store.FlushAsync();
            }
        }

        while (pending.TryDequeue(out var put))
        {
            await put;
        }

        await store.FlushAsync();
        return clock.Elapsed.TotalSeconds;
    }
}
