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
            var peers = new List<(string Name, Func<string, double> Run)>();
            foreach (var (name, tool, package, run) in new (string, string, string, Func<string, double>)[]
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

            var ours = new List<double>();
            var theirs = peers.ToDictionary(p => p.Name, _ => new List<double>());
            for (var round = 1; round <= rounds; round++)
            {
                await using (var silo = await BenchSilo.StartAsync(Path.Combine(work, $"ours-{round}")))
                {
                    var (status, elapsed) = await silo.InitialSyncAsync("bench/pop3", Source(server));
                    BenchSilo.Check(status, count);
                    ours.Add(elapsed.TotalSeconds);
                }

                Console.WriteLine($"round {round}: MailMesh {ours[^1]:0.00} s ({count / ours[^1]:0} msg/s); {BenchServer.Load()}");
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

                    Console.WriteLine($"round {round}: {name} {theirs[name][^1]:0.00} s ({count / theirs[name][^1]:0} msg/s), {theirs[name][^1] / ours[^1]:0.0}x MailMesh's time; {BenchServer.Load()}");
                }
            }

            var oursMedian = BenchServer.Median(ours);
            Console.WriteLine();
            Console.WriteLine($"MailMesh POP3 sync, median: {oursMedian:0.00} s ({count / oursMedian:0} messages/s)");
            foreach (var (name, times) in theirs.Where(t => t.Value.Count > 0))
            {
                var median = BenchServer.Median(times);
                Console.WriteLine($"{name}, median: {median:0.00} s ({count / median:0} messages/s); MailMesh is {median / oursMedian:0.0}x faster (target >= 10x)");
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
