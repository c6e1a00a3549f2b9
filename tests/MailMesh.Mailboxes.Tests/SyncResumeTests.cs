using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

/// <summary>Runs start without anyone calling SyncNow: the durable poll reminder after a silo restart, and on its
/// interval.</summary>
[Collection(DovecotCollection.Name)]
public sealed class SyncResumeTests
{
    [ServerFact(Server.Dovecot)]
    public async Task Restart_SiloStoppedMidSync_ResumesByItselfWithoutLossOrDuplicates()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 12, "resume");
        var firstBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopping = new ManualResetEventSlim();
        var observer = new SyncObserver();
        observer.OnBatch = (mailbox, _) =>
        {
            if (mailbox == "acme/resume" && firstBatch.TrySetResult())
            {
                // Hold the first committed batch's turn until the silo has begun stopping.
                stopping.Wait(TimeSpan.FromSeconds(10));
            }
        };
        var settings = new Dictionary<string, string?> { ["Mailboxes:ResumeDelay"] = "00:00:01" };
        await using var silo = await SyncSilo.StartAsync(batchSize: 2, observer: observer, settings: settings);

        await silo.CreateMailboxAsync("acme/resume", account.Source(folder));
        await firstBatch.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stop = silo.Silo.StopAsync();
        stopping.Set();
        await stop;
        await silo.RestartAsync();
        var status = await silo.Observer.WaitForRunsAsync("acme/resume", 1, TimeSpan.FromSeconds(30));

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(ids, (await silo.Index.ListAsync("acme/resume")).Select(r => r.MessageId));
        var received = await silo.EventsOfAsync("acme/resume", "message.received");
        Assert.Equal(ids, received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
    }

    [ServerFact(Server.Dovecot)]
    public async Task PollReminder_IntervalPasses_RunsASyncThatPicksUpNewMail()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 1, "poll");
        await using var silo = await SyncSilo.StartAsync();
        var source = account.Source(folder) with { PollInterval = MailboxGrain.MinPollInterval };
        await silo.CreateMailboxAsync("acme/poll", source);
        await silo.Observer.WaitForRunsAsync("acme/poll", 1);

        var ids = await account.AppendAsync(folder, 2, 1, "poll");
        var runs = (await silo.Grains.GetGrain<IMailboxGrain>("acme/poll").GetSyncStatus()).Runs;
        MailboxSyncStatus? status = null;
        var found = false;
        for (var run = runs + 1; !found && run <= runs + 10; run++)
        {
            // Nobody calls SyncNow: only the reminder (every second) starts these runs.
            status = await silo.Observer.WaitForRunsAsync("acme/poll", run, TimeSpan.FromSeconds(30));
            found = (await silo.Index.ListAsync("acme/poll")).Any(r => r.MessageId == ids[0]);
        }

        Assert.True(found, "no poll-reminder run indexed the message appended after the first run");
        Assert.NotNull(status);
        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(2, status.MessageCount);
    }
}
