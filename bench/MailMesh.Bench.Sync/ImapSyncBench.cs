using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols.Imap;

namespace MailMesh.Bench.Sync;

/// <summary>Initial IMAP sync of N messages vs mbsync (FSync no), rounds alternating which tool goes first after one
/// untimed pass that warms Dovecot's caches; then incremental sync of 100 new messages.</summary>
internal static class ImapSyncBench
{
    private const int IncrementalMessages = 100;

    /// <param name="server">The test Dovecot.</param>
    /// <param name="count">Messages in the folder.</param>
    /// <param name="rounds">Timed rounds (medians are reported).</param>
    /// <param name="freshSilo">A new silo per round (the JIT and the silo's caches start cold in round 1) instead of
    /// one running silo, warmed by an untimed sync of its own, that syncs a new mailbox per round.</param>
    public static async Task<int> RunAsync(BenchServer server, int count, int rounds, bool freshSilo = false)
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

            var ours = new List<(double Seconds, double Cpu)>();
            var peer = new List<(double Seconds, double Cpu)>();
            using var phases = new PhaseMeter();
            await using var warm = freshSilo ? null : await BenchSilo.StartAsync(Path.Combine(work, "silo"));
            if (warm is not null)
            {
                // A running silo has its code compiled and its stores open: one untimed sync of another mailbox first.
                var (s, c, jit) = await MailMeshInitialAsync(warm, "bench/warm-up", server, folder, count);
                Console.WriteLine($"MailMesh warm-up sync (untimed, same silo as the rounds): {s:0.00} s, CPU {c:0.00} s, JIT compiling {jit:0.00} s; {BenchServer.Load()}");
            }

            for (var round = 1; round <= rounds; round++)
            {
                var peerFirst = mbsync && round % 2 == 0;
                if (peerFirst)
                {
                    peer.Add(Peers.MbsyncRun(server, folder, count, Path.Combine(work, $"mbsync-{round}")));
                }

                phases.TakeSummary();
                double jitSeconds;
                if (warm is null)
                {
                    await using var fresh = await BenchSilo.StartAsync(Path.Combine(work, $"ours-{round}"));
                    var (s1, c1, j1) = await MailMeshInitialAsync(fresh, "bench/sync", server, folder, count);
                    ours.Add((s1, c1));
                    jitSeconds = j1;
                }
                else
                {
                    var (s1, c1, j1) = await MailMeshInitialAsync(warm, $"bench/sync-{round}", server, folder, count);
                    ours.Add((s1, c1));
                    jitSeconds = j1;
                }

                var split = phases.TakeSummary();
                if (mbsync && !peerFirst)
                {
                    peer.Add(Peers.MbsyncRun(server, folder, count, Path.Combine(work, $"mbsync-{round}")));
                }

                var (s, c) = ours[^1];
                Console.WriteLine($"round {round}: MailMesh {s:0.00} s ({count / s:0} msg/s, CPU {c:0.00} s)" +
                    (mbsync ? $", mbsync {peer[^1].Seconds:0.00} s ({count / peer[^1].Seconds:0} msg/s, CPU {peer[^1].Cpu:0.00} s), " +
                        $"ratio {s / peer[^1].Seconds:0.00}x wall, {c / peer[^1].Cpu:0.00}x CPU" : "") + $"; {BenchServer.Load()}");
                Console.WriteLine($"  MailMesh batch phases: {split}; JIT compiling {jitSeconds:0.00} s (all threads, elapsed)");
            }

            var oursMedian = BenchServer.Median(ours.Select(r => r.Seconds));
            var oursCpu = BenchServer.Median(ours.Select(r => r.Cpu));
            Console.WriteLine();
            Console.WriteLine($"MailMesh initial sync, median: {oursMedian:0.00} s ({count / oursMedian:0} messages/s), CPU {oursCpu:0.00} s");
            if (mbsync)
            {
                var peerMedian = BenchServer.Median(peer.Select(r => r.Seconds));
                var peerCpu = BenchServer.Median(peer.Select(r => r.Cpu));
                Console.WriteLine($"mbsync (FSync no), median:     {peerMedian:0.00} s ({count / peerMedian:0} messages/s), CPU {peerCpu:0.00} s");
                Console.WriteLine($"ratio of medians MailMesh/mbsync: {oursMedian / peerMedian:0.00}x wall (target <= 1.0), {oursCpu / peerCpu:0.00}x CPU " +
                    "(MailMesh process user+sys during the sync; mbsync's child rusage; Dovecot's own CPU is in neither)");
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

    /// <summary>Wall time of the initial sync of mailbox <paramref name="key"/>, this process's CPU time over the same
    /// span, and the part of it the JIT spent compiling.</summary>
    internal static async Task<(double Seconds, double Cpu, double Jit)> MailMeshInitialAsync(BenchSilo silo, string key, BenchServer server, string folder, int count)
    {
        var jit = System.Runtime.JitInfo.GetCompilationTime();
        var cpu = CpuClock.Self();
        var (status, elapsed) = await silo.InitialSyncAsync(key, Source(server, folder));
        cpu = CpuClock.Self() - cpu;
        BenchSilo.Check(status, count);
        return (elapsed.TotalSeconds, cpu, (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalSeconds);
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
