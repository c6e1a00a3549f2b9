using System.Text.Json;
using MailMesh.Blobs;
using MailMesh.Blobs.Local;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Mailboxes.Tests;

/// <summary>The pipelined initial sync (docs/adr/sync-06-pipelined-initial-sync.md): the next batch is fetched while
/// the grain commits the one before, at most one batch ahead, and a stop in between loses and duplicates nothing.</summary>
[Collection(DovecotCollection.Name)]
public sealed class PipelinedSyncTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const ImapFetchItems Items = ImapFetchItems.Summary | ImapFetchItems.Body;

    [ServerFact(Server.Dovecot)]
    public async Task Pipeline_GrainTakesNoBatch_FetchWaitsOneBatchAheadThenDeliversEveryBatchInOrder()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 10, "pipe");
        using var temp = new TempDirectory();
        using var local = new LocalDirectoryBlobStore(temp.Path);
        var blobs = new CountingBlobStore(local);
        var (selected, uids) = await ExamineAsync(account.Client, folder);

        await using var pipeline = FolderFetchPipeline.Start(
            account.Client, blobs, new SyncFolder("acme/pipe", "f1", folder, selected.UidValidity), "mail/acme/pipe", uids, 2, Items, CancellationToken.None);
        var fetchedWhenWaiting = await pipeline.FirstWaitForRoom.WaitAsync(Patience);

        // One batch waits for the grain, the next is fetched and waits to be handed over; nothing after it is fetched.
        Assert.Equal(FolderFetchPipeline.BatchesAhead + 1, fetchedWhenWaiting);
        Assert.Equal(4, blobs.Puts);
        var batches = new List<FetchedBatch>();
        while (await pipeline.NextAsync(CancellationToken.None).AsTask().WaitAsync(Patience) is { } batch)
        {
            batches.Add(batch);
        }

        await pipeline.Completion.WaitAsync(Patience);
        Assert.Equal(uids.Chunk(2).Select(c => c.ToList()), batches.Select(b => b.Uids.ToList()));
        Assert.Equal(ids, batches.SelectMany(b => b.Rows).Select(r => r.MessageId));
        Assert.Equal(10, blobs.Puts);
        foreach (var row in batches.SelectMany(b => b.Rows))
        {
            await using var stored = await local.OpenReadAsync(row.BlobName);
            Assert.NotNull(stored);
            Assert.Equal(row.Size, stored.Length);
        }
    }

    [ServerFact(Server.Dovecot)]
    public async Task Pipeline_DisposedWhileWaitingForRoom_StopsWithoutFetchingMore()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 8, "stop");
        using var temp = new TempDirectory();
        using var local = new LocalDirectoryBlobStore(temp.Path);
        var blobs = new CountingBlobStore(local);
        var (selected, uids) = await ExamineAsync(account.Client, folder);
        var pipeline = FolderFetchPipeline.Start(
            account.Client, blobs, new SyncFolder("acme/stop", "f1", folder, selected.UidValidity), "mail/acme/stop", uids, 2, Items, CancellationToken.None);
        await pipeline.FirstWaitForRoom.WaitAsync(Patience);

        await pipeline.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.True(pipeline.Completion.IsCompletedSuccessfully);
        Assert.Equal(4, blobs.Puts);
    }

    [ServerFact(Server.Dovecot)]
    public async Task Pipeline_ServerDropsMidFetch_HandsOverCompleteBatchesThenThrows()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 12, "drop", bodyBytes: 3000);
        await using var proxy = new TcpProxy(DovecotAccount.Server.Host, DovecotAccount.Server.ImapPort);
        proxy.ResetNextAfter(20_000);
        await using var client = new ImapClient(new ImapClientOptions
        {
            Host = DovecotAccount.Server.Host, Port = proxy.Port, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(20),
        });
        await client.ConnectAsync();
        await client.AuthenticateAsync(account.User.Address, account.User.Password);
        var (selected, uids) = await ExamineAsync(client, folder);
        using var temp = new TempDirectory();
        using var local = new LocalDirectoryBlobStore(temp.Path);
        await using var pipeline = FolderFetchPipeline.Start(
            client, local, new SyncFolder("acme/drop", "f1", folder, selected.UidValidity), "mail/acme/drop", uids, 2, Items, CancellationToken.None);

        var batches = new List<FetchedBatch>();
        var error = await Record.ExceptionAsync(async () =>
        {
            while (await pipeline.NextAsync(CancellationToken.None).AsTask().WaitAsync(Patience) is { } batch)
            {
                batches.Add(batch);
            }
        });

        Assert.True(error is MailProtocolException or IOException, $"expected the connection's failure, got {error}");
        Assert.InRange(batches.Count, 0, 5);
        Assert.All(batches, b => Assert.Equal(2, b.Rows.Count));
        Assert.Equal(ids.Take(batches.Count * 2), batches.SelectMany(b => b.Rows).Select(r => r.MessageId));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_StoppedWhileNextBatchFetchedAhead_ResumesWithoutLossOrDuplicates()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 10, "ahead");
        CountingBlobStore? blobs = null;
        GatedMessageIndex? index = null;
        var crashed = false;
        await using var silo = await SyncSilo.StartAsync(batchSize: 2, configure: (directory, services) =>
        {
            blobs = new CountingBlobStore(new LocalDirectoryBlobStore(Path.Combine(directory, "blobs")));
            index = new GatedMessageIndex(new SqliteMessageIndex(Path.Combine(directory, "index.db")));
            services.AddSingleton<IBlobStore>(blobs);
            services.AddSingleton<IMessageIndex>(index);
        });
        var pipelined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        index!.BeforeUpsert = async (upsert, _) =>
        {
            if (upsert == 2 && !crashed)
            {
                // Batch 2's rows are about to be written: batch 3's blobs are already stored by the fetch running ahead.
                await blobs!.WhenPutsAsync(6).WaitAsync(Patience);
                pipelined.TrySetResult();
                crashed = true;
                throw new IOException("simulated crash before batch 2's index rows were written");
            }
        };

        var mailbox = await silo.CreateMailboxAsync("acme/ahead", account.Source(folder));
        var failed = await silo.Observer.WaitForRunsAsync("acme/ahead", 1);
        await pipelined.Task.WaitAsync(Patience);
        Assert.NotEqual(SyncErrorKind.None, failed.LastErrorKind);
        Assert.Equal(2, failed.MessageCount);
        Assert.Equal(ids.Take(2), (await silo.Index.ListAsync("acme/ahead")).Select(r => r.MessageId));

        await silo.RestartAsync();
        var restarted = silo.Grains.GetGrain<IMailboxGrain>("acme/ahead");
        await restarted.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/ahead", 2);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(10, status.MessageCount);
        Assert.Equal(ids, (await silo.Index.ListAsync("acme/ahead")).Select(r => r.MessageId));
        var received = await silo.EventsOfAsync("acme/ahead", "message.received");
        Assert.Equal(ids, received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
        var folderInfo = Assert.Single(await restarted.ListFolders());
        Assert.Equal((await silo.Index.ListAsync("acme/ahead")).Max(r => r.Uid), folderInfo.LastUid);
        _ = mailbox;
    }

    private static async Task<(ImapMailbox Mailbox, List<uint> Uids)> ExamineAsync(ImapClient client, string folder)
    {
        var selected = await client.ExamineAsync(folder);
        var uids = (await client.UidSearchAsync("ALL")).Order().ToList();
        return (selected.Mailbox, uids);
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = System.IO.Directory.CreateTempSubdirectory("mailmesh-pipeline-").FullName;

        public void Dispose() => System.IO.Directory.Delete(Path, recursive: true);
    }
}
