using System.Diagnostics;
using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

[Collection(DovecotCollection.Name)]
public sealed class ImapResilienceTests
{
    [ServerFact(Server.Dovecot)]
    public async Task Sync_ConnectionCutMidFetch_NextSyncResumesWithoutLossOrDuplicates()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 20, "cut", bodyBytes: 3000);
        await using var proxy = new TcpProxy(DovecotAccount.Server.Host, DovecotAccount.Server.ImapPort);
        proxy.ResetNextAfter(30_000);
        await using var silo = await SyncSilo.StartAsync(batchSize: 4);
        var source = DovecotAccount.SourceFor(account.User, account.User.Password, proxy.Port, [folder]);

        var mailbox = await silo.CreateMailboxAsync("acme/cut", source);
        var failed = await silo.Observer.WaitForRunsAsync("acme/cut", 1);
        await proxy.ResetMidAnswer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SyncErrorKind.Network, failed.LastErrorKind);
        Assert.InRange(failed.MessageCount, 1, 19);
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/cut", 2);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(ids, (await silo.Index.ListAsync("acme/cut")).Select(r => r.MessageId));
        var received = await silo.EventsOfAsync("acme/cut", "message.received");
        Assert.Equal(ids, received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
        Assert.Single(await silo.EventsOfAsync("acme/cut", "mailbox.sync_failed"));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_SiloRestartedMidSync_ResumesWithoutLossOrDuplicates()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 12, "restart");
        var firstBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopping = new ManualResetEventSlim();
        var observer = new SyncObserver();
        observer.OnBatch = (mailbox, _) =>
        {
            if (mailbox == "acme/restart" && firstBatch.TrySetResult())
            {
                // Hold the first committed batch's turn until the silo has begun stopping.
                stopping.Wait(TimeSpan.FromSeconds(10));
            }
        };
        await using var silo = await SyncSilo.StartAsync(batchSize: 2, observer: observer);

        await silo.CreateMailboxAsync("acme/restart", account.Source(folder));
        await firstBatch.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stop = silo.Silo.StopAsync();
        stopping.Set();
        await stop;
        await silo.RestartAsync();
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>("acme/restart");
        var committed = (await mailbox.GetSyncStatus()).MessageCount;
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/restart", 1);

        Assert.InRange(committed, 2, 11);
        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(ids, (await silo.Index.ListAsync("acme/restart")).Select(r => r.MessageId));
        var received = await silo.EventsOfAsync("acme/restart", "message.received");
        Assert.Equal(ids, received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Idle_MessageArrivesInInbox_IsIndexedWithinTwoSeconds()
    {
        await using var account = await DovecotAccount.OpenAsync();
        await using var silo = await SyncSilo.StartAsync();
        var source = account.Source("INBOX") with { UseIdle = true };
        await silo.CreateMailboxAsync("acme/idle", source);
        await silo.Observer.WaitForRunsAsync("acme/idle", 1);
        await silo.Observer.WaitForIdleAsync("acme/idle", 1, TimeSpan.FromSeconds(20));
        var messageId = $"idle.{Guid.NewGuid():N}@sync.test";
        var runsBefore = (await silo.Grains.GetGrain<IMailboxGrain>("acme/idle").GetSyncStatus()).Runs;

        var clock = Stopwatch.StartNew();
        await account.Client.AppendAsync("INBOX", DovecotAccount.Message(messageId, "idle"));
        var deadline = TimeSpan.FromSeconds(2);
        var found = false;
        for (var run = runsBefore + 1; !found; run++)
        {
            var left = deadline - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                await silo.Observer.WaitForRunsAsync("acme/idle", run, left);
            }
            catch (TimeoutException)
            {
                break;
            }

            found = (await silo.Index.ListAsync("acme/idle", "INBOX", 100_000)).Any(r => r.MessageId == messageId);
        }

        Assert.True(found, $"the message appended to INBOX was not indexed within {deadline.TotalSeconds} s of its arrival (IDLE); waited {clock.Elapsed.TotalMilliseconds:0} ms.");
    }
}
