using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols.Imap;

namespace MailMesh.Bench.Sync;

/// <summary>Initial IMAP sync of N messages vs mbsync (FSync no), rounds alternating which tool goes first after one
/// untimed pass that warms Dovecot's caches; then incremental sync of 100 new messages.</summary>
internal static class ImapSyncBench
{
    private const int IncrementalMessages = 100;

    public static async Task<int> RunAsync(BenchServer server, int count, int rounds)
    {
        var folder = "mmbench-" + Guid.NewGuid().ToString("N")[..8];
        var work = System.IO.Directory.CreateTempSubdirectory("mailmesh-bench-sync-").FullName;
        Console.WriteLine($"Loading {count} messages into {server.User}'s folder {folder} ...");
        var bytes = BenchServer.LoadMaildir(server.MaildirOf(server.User, folder), 1, count);
        Console.WriteLine($"  {bytes / 1024.0 / 1024.0:0.0} MB; {BenchServer.Load()}");
        try
        {
            await WarmUpAsync(server, folder, count);
            var mbsync = BenchServer.Has("mbsync");
            if (!mbsync)
            {
                Console.WriteLine("mbsync is not installed (Debian package isync): MailMesh is measured alone, no ratio.");
            }

            var ours = new List<double>();
            var peer = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var peerFirst = mbsync && round % 2 == 0;
                if (peerFirst)
                {
                    peer.Add(Peers.Mbsync(server, folder, count, Path.Combine(work, $"mbsync-{round}")));
                }

                ours.Add(await MailMeshInitialAsync(server, folder, count, Path.Combine(work, $"ours-{round}")));
                if (mbsync && !peerFirst)
                {
                    peer.Add(Peers.Mbsync(server, folder, count, Path.Combine(work, $"mbsync-{round}")));
                }

                Console.WriteLine($"round {round}: MailMesh {ours[^1]:0.00} s ({count / ours[^1]:0} msg/s)" +
                    (mbsync ? $", mbsync {peer[^1]:0.00} s ({count / peer[^1]:0} msg/s), ratio {ours[^1] / peer[^1]:0.00}x" : "") + $"; {BenchServer.Load()}");
            }

            var oursMedian = BenchServer.Median(ours);
            Console.WriteLine();
            Console.WriteLine($"MailMesh initial sync, median: {oursMedian:0.00} s ({count / oursMedian:0} messages/s)");
            if (mbsync)
            {
                var peerMedian = BenchServer.Median(peer);
                Console.WriteLine($"mbsync (FSync no), median:     {peerMedian:0.00} s ({count / peerMedian:0} messages/s)");
                Console.WriteLine($"ratio of medians MailMesh/mbsync: {oursMedian / peerMedian:0.00}x (target <= 1.0)");
            }

            await IncrementalAsync(server, folder, count, Path.Combine(work, "incremental"));
            return 0;
        }
        finally
        {
            await using (var cleanup = await server.ConnectAsync())
            {
                await cleanup.DeleteMailboxAsync(folder);
            }

            System.IO.Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One untimed full read so neither tool meets a cold server (Dovecot builds its index and caches then).</summary>
    private static async Task WarmUpAsync(BenchServer server, string folder, int count)
    {
        await using var client = await server.ConnectAsync();
        var examined = await client.ExamineAsync(folder);
        if (examined.Mailbox.Count != count)
        {
            throw new InvalidOperationException($"Dovecot shows {examined.Mailbox.Count} messages in {folder}, expected {count}.");
        }

        await client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Summary | ImapFetchItems.Body), new DiscardSink());
    }

    private static async Task<double> MailMeshInitialAsync(BenchServer server, string folder, int count, string directory)
    {
        await using var silo = await BenchSilo.StartAsync(directory);
        var (status, elapsed) = await silo.InitialSyncAsync("bench/sync", Source(server, folder));
        BenchSilo.Check(status, count);
        return elapsed.TotalSeconds;
    }

    /// <summary>Initial sync (untimed), then three times: 100 new messages delivered into the folder, SyncNow, timed
    /// until the run has committed them.</summary>
    private static async Task IncrementalAsync(BenchServer server, string folder, int count, string directory)
    {
        await using var silo = await BenchSilo.StartAsync(directory);
        var (initial, _) = await silo.InitialSyncAsync("bench/incremental", Source(server, folder));
        BenchSilo.Check(initial, count);
        var times = new List<double>();
        var expected = (long)count;
        for (var i = 0; i < 3; i++)
        {
            // Delivered as new mail (Maildir new/), found by Dovecot on the next SELECT/EXAMINE.
            BenchServer.LoadMaildir(server.MaildirOf(server.User, folder), count + 1 + (i * IncrementalMessages), IncrementalMessages, "new");
            expected += IncrementalMessages;
            var (status, elapsed) = await silo.SyncAsync("bench/incremental");
            BenchSilo.Check(status, expected);
            times.Add(elapsed.TotalSeconds);
        }

        Console.WriteLine($"incremental sync of {IncrementalMessages} new messages (of {count + IncrementalMessages}-{expected}): " +
            $"{string.Join(", ", times.Select(t => $"{t * 1000:0} ms"))}; median {BenchServer.Median(times) * 1000:0} ms (target < 1000 ms); {BenchServer.Load()}");
    }

    public static MailboxSource Source(BenchServer server, string folder) =>
        new(SourceProtocol.Imap, server.Host, server.ImapPort, SourceTls.None, server.User, Password: server.Password,
            Folders: [folder], PollInterval: TimeSpan.FromHours(1), UseIdle: false);

    internal sealed class DiscardSink : IImapFetchSink
    {
        public int Messages { get; private set; }

        public ValueTask<Stream?> OpenBodyAsync(ImapBodyPart part, CancellationToken cancellationToken) => ValueTask.FromResult<Stream?>(null);

        public ValueTask MessageFetchedAsync(ImapFetchedMessage message, CancellationToken cancellationToken)
        {
            Messages++;
            return ValueTask.CompletedTask;
        }
    }
}
