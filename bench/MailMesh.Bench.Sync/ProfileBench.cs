using System.Diagnostics;
using MailMesh.Blobs.Local;
using MailMesh.Protocols.Imap;

namespace MailMesh.Bench.Sync;

/// <summary>Splits the initial sync's time: the IMAP fetch alone (bodies discarded), the local blob store alone in
/// both layouts (the same number of puts of the same size, 64 at a time and one flush per 1,000 as the sync does), the
/// whole sync, and mbsync.</summary>
internal static class ProfileBench
{
    /// <param name="server">The test Dovecot.</param>
    /// <param name="count">Messages in the folder.</param>
    /// <param name="passes">Whole-sync passes (each into a fresh silo).</param>
    /// <param name="syncOnly">Skip the fetch-alone and blob-store-alone parts (for attaching a profiler to the sync).</param>
    public static async Task<int> RunAsync(BenchServer server, int count, int passes = 2, bool syncOnly = false)
    {
        var folder = "mmbench-" + Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("mailmesh-bench-profile-").FullName;
        BenchServer.LoadMaildir(server.MaildirOf(server.User, folder), 1, count);
        try
        {
            if (!syncOnly)
            {
                await SplitAsync(server, folder, count, work);
            }

            using var phases = new PhaseMeter();
            await using (var silo = await BenchSilo.StartAsync(Path.Combine(work, "silo")))
            {
                for (var pass = 1; pass <= passes; pass++)
                {
                    // One running silo, a new mailbox per pass: the first pass JITs the whole path, later ones are warm.
                    phases.TakeSummary();
                    Console.WriteLine($"whole mailbox sync, pass {pass} starts; {BenchServer.Load()}");
                    var (seconds, cpu, jit) = await ImapSyncBench.MailMeshInitialAsync(silo, $"bench/profile-{pass}", server, folder, count);
                    Console.WriteLine($"whole mailbox sync, pass {pass}:           {seconds:0.00} s ({count / seconds:0} msg/s), CPU {cpu:0.00} s (JIT compiling {jit:0.00} s, all threads, elapsed)");
                    Console.WriteLine($"  batch phases: {phases.TakeSummary()}");
                }
            }

            if (BenchServer.Has("mbsync"))
            {
                var peer = Peers.MbsyncRun(server, folder, count, Path.Combine(work, "mbsync"));
                Console.WriteLine($"mbsync (FSync no):                    {peer.Seconds:0.00} s ({count / peer.Seconds:0} msg/s), CPU {peer.Cpu:0.00} s");
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

    /// <summary>The fetch alone and the blob store alone in both layouts.</summary>
    private static async Task SplitAsync(BenchServer server, string folder, int count, string work)
    {
        var fetchOnly = await FetchOnlyAsync(server, folder, count);
        Console.WriteLine($"warm-up fetch {fetchOnly:0.00} s; {BenchServer.Load()}");
        fetchOnly = await FetchOnlyAsync(server, folder, count);
        Console.WriteLine($"IMAP fetch alone (bodies discarded):  {fetchOnly:0.00} s ({count / fetchOnly:0} msg/s)");
        var files = await BlobsOnlyAsync(Path.Combine(work, "blobs-files"), count, new LocalBlobStoreOptions { PackBlobsUpTo = 0 });
        Console.WriteLine($"local blob store alone, one file per blob ({count} puts + flush): {files:0.00} s ({count / files:0} puts/s)");
        var packed = await BlobsOnlyAsync(Path.Combine(work, "blobs-packed"), count, new LocalBlobStoreOptions());
        Console.WriteLine($"local blob store alone, packed ({count} puts + flush):        {packed:0.00} s ({count / packed:0} puts/s)");
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
