using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols.Imap;

namespace MailMesh.Bench.Sync;

/// <summary>POP3 mailbox sync (leave on server) of N messages vs getmail6 and fetchmail in the same run.</summary>
internal static class Pop3SyncBench
{
    public static async Task<int> RunAsync(BenchServer server, int count, int rounds)
    {
        var work = Directory.CreateTempSubdirectory("mailmesh-bench-pop3-").FullName;
        await ResetInboxAsync(server);
        BenchServer.LoadMaildir(server.MaildirOf(server.Pop3User, "INBOX"), 1, count);
        Console.WriteLine($"POP3 sync of {count} messages from {server.Pop3User}'s INBOX, {rounds} round(s); {BenchServer.Load()}");
        try
        {
            var peers = new List<(string Name, Func<string, (double Seconds, double Cpu)> Run)>();
            foreach (var (name, tool, package, run) in new (string, string, string, Func<string, (double, double)>)[]
            {
                ("getmail6", "getmail", "getmail6", d => Peers.Getmail(server, count, d)),
                ("fetchmail", "fetchmail", "fetchmail", d => Peers.Fetchmail(server, count, d)),
            })
            {
                if (BenchServer.Has(tool))
                {
                    peers.Add((name, run));
                }
                else
                {
                    Console.WriteLine($"{name} is not installed (Debian package {package}): skipped.");
                }
            }

            var ours = new List<(double Seconds, double Cpu)>();
            var theirs = peers.ToDictionary(p => p.Name, _ => new List<(double Seconds, double Cpu)>());
            for (var round = 1; round <= rounds; round++)
            {
                // Round 1 is the process's first sync: its CPU includes the JIT compiling the whole path.
                var cpu = CpuClock.Self();
                await using (var silo = await BenchSilo.StartAsync(Path.Combine(work, $"ours-{round}")))
                {
                    var (status, elapsed) = await silo.InitialSyncAsync("bench/pop3", Source(server));
                    BenchSilo.Check(status, count);
                    ours.Add((elapsed.TotalSeconds, CpuClock.Self() - cpu));
                }

                var (s, c) = ours[^1];
                Console.WriteLine($"round {round}{(round == 1 ? " (cold process)" : "")}: MailMesh {s:0.00} s ({count / s:0} msg/s, " +
                    $"CPU {c:0.00} s with the silo's start and stop); {BenchServer.Load()}");
                foreach (var (name, run) in peers)
                {
                    try
                    {
                        theirs[name].Add(run(Path.Combine(work, $"{name}-{round}")));
                    }
                    catch (InvalidOperationException e)
                    {
                        Console.WriteLine($"round {round}: {name} failed, left out of the comparison: {e.Message}");
                        continue;
                    }

                    var (ps, pc) = theirs[name][^1];
                    Console.WriteLine($"round {round}: {name} {ps:0.00} s ({count / ps:0} msg/s, CPU {pc:0.00} s), {ps / s:0.0}x MailMesh's time, " +
                        $"{pc / c:0.0}x its CPU; {BenchServer.Load()}");
                }
            }

            var oursMedian = BenchServer.Median(ours.Select(r => r.Seconds));
            var oursCpu = BenchServer.Median(ours.Select(r => r.Cpu));
            Console.WriteLine();
            Console.WriteLine($"MailMesh POP3 sync, median: {oursMedian:0.00} s ({count / oursMedian:0} messages/s), CPU {oursCpu:0.00} s");
            foreach (var (name, times) in theirs.Where(t => t.Value.Count > 0))
            {
                var median = BenchServer.Median(times.Select(r => r.Seconds));
                var cpu = BenchServer.Median(times.Select(r => r.Cpu));
                Console.WriteLine($"{name}, median: {median:0.00} s ({count / median:0} messages/s), CPU {cpu:0.00} s; MailMesh is {median / oursMedian:0.0}x faster, " +
                    $"{cpu / oursCpu:0.0}x less CPU (target >= 10x)");
            }

            return 0;
        }
        finally
        {
            await ResetInboxAsync(server);
            Directory.Delete(work, recursive: true);
        }
    }

    private static MailboxSource Source(BenchServer server) =>
        new(SourceProtocol.Pop3, server.Host, server.Pop3Port, SourceTls.None, server.Pop3User, Password: server.Pop3Password,
            PollInterval: TimeSpan.FromHours(1), Pop3LeaveOnServer: true);

    /// <summary>Empties the POP3 user's INBOX (other suites use it too).</summary>
    private static async Task ResetInboxAsync(BenchServer server)
    {
        await using var client = await server.ConnectAsync(server.Pop3User, server.Pop3Password);
        var selected = await client.SelectAsync("INBOX");
        if (selected.Mailbox.Count > 0)
        {
            await client.UidStoreAsync(ImapUidSet.All, Protocols.Imap.ImapStoreMode.Add, ["\\Deleted"]);
            await client.ExpungeAsync();
        }
    }
}
