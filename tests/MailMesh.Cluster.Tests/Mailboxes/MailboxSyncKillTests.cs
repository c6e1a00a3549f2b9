using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Cluster.Tests.Processes;
using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace MailMesh.Cluster.Tests.Mailboxes;

/// <summary>Three product silos syncing a Dovecot folder of a few thousand messages: the silo running the mailbox is
/// killed with SIGKILL mid-sync. The sync must finish on another silo with every message indexed, stored and announced
/// exactly once, and nothing stored before the kill lost.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class MailboxSyncKillTests(ITestOutputHelper output)
{
    private const int Messages = 3000;
    private static readonly TimeSpan SyncPatience = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan ResumeDelay = TimeSpan.FromSeconds(1);

    [ServerFact(Server.Postgres, Server.RabbitMq, Server.Dovecot, Server.Azurite)]
    public async Task Kill9_SiloSyncingAMailboxDies_SyncFinishesElsewhereWithEveryMessageIndexedStoredAndAnnouncedOnce()
    {
        var user = TestServers.Dovecot.Carol;
        var folder = "mmkill-" + Guid.NewGuid().ToString("N")[..12];
        await using var dovecot = await ConnectAsync(user);
        await dovecot.CreateMailboxAsync(folder);
        try
        {
            for (var i = 1; i <= Messages; i++)
            {
                await dovecot.AppendAsync(folder, Message(folder, i));
            }

            await using var cluster = new HostCluster(new Dictionary<string, string>
            {
                // Small batches: many commits, so the kill lands between two of them.
                ["Mailboxes:BatchSize"] = "50",
                // The run cut short by the kill resumes from the poll reminder this soon on the shard's new owner.
                ["Mailboxes:ResumeDelay"] = ResumeDelay.ToString("c", CultureInfo.InvariantCulture),
            });
            await cluster.StartSiloAsync("silo-1");
            await Task.WhenAll(cluster.StartSiloAsync("silo-2"), cluster.StartSiloAsync("silo-3"));
            var maps = await cluster.WaitForStableShardMapAsync(["silo-1", "silo-2", "silo-3"], ProcessCluster.Patience);

            using var admin = await cluster.ClientOfAsync(cluster.Silos[0]);
            await admin.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "kill9", DisplayName = "Kill 9" });
            await using var database = cluster.OpenDatabase();
            var mailbox = await ScalarAsync<string>(database, $"SELECT subject FROM \"{cluster.Schema}\".event_log WHERE type = 'mailbox.created'");
            var shard = GrainShards.ShardOf(new GrainId(typeof(IMailboxGrain).FullName!, mailbox), ProcessCluster.Shards);
            var owner = cluster.Silos.Single(s => maps[s.Id].Owned.Contains(shard));
            var survivors = cluster.Silos.Where(s => s != owner).ToArray();
            // Every call from here goes through a silo that lives on.
            using var client = await cluster.ClientOfAsync(survivors[0]);
            await client.Mailboxes.SetSourceAsync(Source("kill9", user, folder));
            await client.Mailboxes.SyncAsync(new SyncRequest { Name = "kill9" });
            var run = Stopwatch.StartNew();

            await WaitForReceivedAsync(database, cluster, mailbox, atLeast: 300);
            // The run outlasts the resume delay, so the poll reminder has come due during it before the kill.
            await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (3 * ResumeDelay - run.Elapsed).Ticks)));
            var before = await WaitForReceivedAsync(database, cluster, mailbox, atLeast: 0);
            await owner.KillAsync();
            var killed = Stopwatch.StartNew();
            var killedAfter = run.Elapsed;
            Assert.True(before.Count < Messages, $"the sync ended ({before.Count} messages) before the kill; it must be killed mid-sync");
            var indexedBefore = await ReadIndexAsync(database, cluster, mailbox);

            var moved = await cluster.WaitForStableShardMapAsync(survivors.Select(s => s.Id).ToArray(), ProcessCluster.Patience);
            var handOver = killed.Elapsed;
            var newOwner = survivors.Single(s => moved[s.Id].Owned.Contains(shard));
            var received = await WaitForReceivedAsync(database, cluster, mailbox, atLeast: Messages, SyncPatience);
            var status = await WaitForIdleAsync(client, "kill9");
            var index = await ReadIndexAsync(database, cluster, mailbox);
            output.WriteLine($"killed {owner.Id} {killedAfter.TotalSeconds:0.0} s into the run with {before.Count} of {Messages} messages announced; " +
                $"shards moved to {newOwner.Id} after {handOver.TotalSeconds:0.0} s; the sync ended {killed.Elapsed.TotalSeconds:0.0} s after the kill " +
                $"({File.ReadAllText("/proc/loadavg").Split(' ')[0]} load)");

            // Detection is the 3 s death timeout plus a refresh; the bound leaves room for a loaded machine.
            Assert.True(handOver < TimeSpan.FromSeconds(20), $"the killed silo's shards moved only after {handOver.TotalSeconds:0.0} s");
            Assert.NotEqual(owner.Id, newOwner.Id);
            Assert.Equal(Api.V1.SyncErrorKind.None, status.LastErrorKind);
            Assert.Equal(Messages, status.MessageCount);
            // Indexed exactly once: one row per (folder, UID) and per Message-ID, and every Message-ID of the folder.
            Assert.Equal(Messages, index.Count);
            Assert.Equal(Messages, index.Select(r => (r.Folder, r.Uid)).Distinct().Count());
            Assert.Equal(Enumerable.Range(1, Messages).Select(i => MessageId(folder, i)).Order(StringComparer.Ordinal),
                index.Select(r => r.MessageId).Order(StringComparer.Ordinal));
            // Announced exactly once: one message.received per UID.
            var repeats = received.GroupBy(e => e.Uid).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
            Assert.True(repeats.Length == 0, $"message.received was raised more than once for UIDs {string.Join(",", repeats.Take(20))}");
            Assert.Equal(index.Select(r => r.Uid).Order(), received.Select(e => e.Uid).Order());
            Assert.Equal(index.Select(r => r.MessageId).Order(StringComparer.Ordinal), received.Select(e => e.MessageId).Order(StringComparer.Ordinal));
            // Stored: every row's blob exists, with the size the row gives.
            var blobs = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var blob in cluster.Blobs.ListAsync("mail/"))
            {
                blobs[blob.Name] = blob.Length;
            }

            var missing = index.Where(r => !blobs.TryGetValue(r.BlobName, out var length) || length != r.Size).Select(r => r.BlobName).ToArray();
            Assert.True(missing.Length == 0, $"{missing.Length} rows have no blob of their size, e.g. {string.Join(", ", missing.Take(5))}");
            // Nothing stored before the kill was lost or changed: every row and announcement from before is still there.
            var now = index.ToDictionary(r => (r.Folder, r.Uid));
            Assert.All(indexedBefore, r => Assert.Equal(r, now.GetValueOrDefault((r.Folder, r.Uid))));
            Assert.Empty(before.Except(received));
            Assert.Contains(received, e => !before.Contains(e)); // the rest came from the new owner's run
        }
        finally
        {
            await dovecot.SelectAsync("INBOX");
            await dovecot.DeleteMailboxAsync(folder);
        }
    }

    private sealed record Received(long Uid, string MessageId);

    private sealed record IndexRow(string Folder, long Uid, string MessageId, string BlobName, long Size);

    /// <summary>Polls the event log until the mailbox announced <paramref name="atLeast"/> messages.</summary>
    private static async Task<List<Received>> WaitForReceivedAsync(NpgsqlConnection database, HostCluster cluster, string mailbox, int atLeast, TimeSpan? patience = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var received = new List<Received>();
            await using (var command = new NpgsqlCommand(
                $"SELECT (payload->>'uid')::bigint, payload->>'messageId' FROM \"{cluster.Schema}\".event_log WHERE type = 'message.received' AND subject = @mailbox", database))
            {
                command.Parameters.AddWithValue("mailbox", mailbox);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    received.Add(new Received(reader.GetInt64(0), reader.GetString(1)));
                }
            }

            if (received.Count >= atLeast)
            {
                return received;
            }

            if (deadline.Elapsed > (patience ?? ProcessCluster.Patience))
            {
                throw new TimeoutException($"Waited {deadline.Elapsed.TotalSeconds:0} s for {atLeast} message.received events of {mailbox}; there are {received.Count}.\n{cluster.Diagnostics()}");
            }

            // Polling the database: the silos announce nothing to the test process.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Waits until no run is in progress (the resumed run may still be writing its end).</summary>
    private static async Task<SyncStatus> WaitForIdleAsync(MailMeshClient client, string name)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = await client.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = name });
            if (!status.Running && status.LastSuccessAt is not null && status.MessageCount == Messages)
            {
                return status;
            }

            if (deadline.Elapsed > ProcessCluster.Patience)
            {
                throw new TimeoutException($"Waited {deadline.Elapsed.TotalSeconds:0} s for the sync of {name} to end; its status: {status}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<List<IndexRow>> ReadIndexAsync(NpgsqlConnection database, HostCluster cluster, string mailbox)
    {
        var rows = new List<IndexRow>();
        await using var command = new NpgsqlCommand(
            $"SELECT folder, uid, coalesce(message_id, ''), blob_name, size FROM \"{cluster.Schema}\".messages WHERE mailbox = @mailbox", database);
        command.Parameters.AddWithValue("mailbox", mailbox);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new IndexRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
        }

        return rows;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection database, string sql)
    {
        await using var command = new NpgsqlCommand(sql, database);
        return (T)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No result for: {sql}"));
    }

    private static async Task<ImapClient> ConnectAsync(MailUser user)
    {
        var client = new ImapClient(new ImapClientOptions { Host = TestServers.Dovecot.Host, Port = TestServers.Dovecot.ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(60) });
        await client.ConnectAsync();
        await client.AuthenticateAsync(user.Address, user.Password);
        return client;
    }

    private static SetSourceRequest Source(string mailbox, MailUser user, string folder) => new()
    {
        Name = mailbox, Protocol = Api.V1.SourceProtocol.Imap, Host = TestServers.Dovecot.Host, Port = TestServers.Dovecot.ImapPort,
        Tls = Api.V1.SourceTls.None, UserName = user.Address, Password = user.Password, PollIntervalSeconds = 3600, DisableIdle = true,
        Folders = { folder },
    };

    private static string MessageId(string folder, int i) => string.Create(CultureInfo.InvariantCulture, $"{i}.{folder}@kill9.test");

    /// <summary>A few KB of text, like most mail.</summary>
    private static byte[] Message(string folder, int i)
    {
        var body = new StringBuilder();
        while (body.Length < 3000)
        {
            body.Append("A line of an ordinary message body, long enough to make a few kilobytes. ").Append(body.Length).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"From: Sender <sender@example.test>\r\nTo: carol@example.test\r\nSubject: kill9 message {i}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <{MessageId(folder, i)}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}"));
    }
}
