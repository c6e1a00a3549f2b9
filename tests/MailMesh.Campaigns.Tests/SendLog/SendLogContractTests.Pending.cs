using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>The pending count that the campaign's drive tick reads to know when nothing is left to send.</summary>
public abstract partial class SendLogContractTests
{
    [SkippableFact]
    public async Task CountPendingAsync_RecordsInEveryState_CountsOnlyQueuedAndDeferredOfTheCampaign()
    {
        PlannedSend[] sends = [.. Enumerable.Range(0, 8).Select(i => Plan($"r{i}@example.com", shard: i % 3))];
        await Log.EnqueueAsync("acme", "c1", sends, T0);
        await Log.EnqueueAsync("acme", "c2", [Plan("x@example.com", campaign: "c2")], T0);
        await Log.TryMarkSendingAsync("acme", [.. sends[..4].Select(s => new SendClaim("c1", s.ContactAddress, s.SendId, SendStatus.Queued, null))], T0);
        await Log.CompleteAsync("acme",
            [new SendCompletion("c1", sends[0].ContactAddress, sends[0].SendId, SendStatus.Sent, 250, "ok", null),
             new SendCompletion("c1", sends[1].ContactAddress, sends[1].SendId, SendStatus.Deferred, 451, "later", T0.AddMinutes(5)),
             new SendCompletion("c1", sends[2].ContactAddress, sends[2].SendId, SendStatus.Failed, 550, "no", null)], T0);
        await Log.SkipAsync("acme", sends[4].SendId, SendStatus.Suppressed, "unsubscribed", T0);

        Assert.Equal(new PendingSends(3, 1), await Log.CountPendingAsync("acme", "c1"));
        Assert.Equal(new PendingSends(1, 0), await Log.CountPendingAsync("acme", "c2"));
        Assert.Equal(new PendingSends(0, 0), await Log.CountPendingAsync("acme", "c3"));
        var progress = await Log.CountAsync("acme", "c1");
        Assert.Equal((8L, 3L, 1L, 1L, 1L, 1L, 1L), (progress.Planned, progress.Queued, progress.Sending, progress.Sent, progress.Deferred, progress.Failed, progress.Suppressed));
    }

    [SkippableFact]
    public async Task CountPendingAsync_AfterCancel_CountsNothing()
    {
        await Log.EnqueueAsync("acme", "c1", [Plan("a@example.com"), Plan("b@example.com")], T0);

        await Log.CancelPendingAsync("acme", "c1", "cancelled", T0);

        Assert.Equal(new PendingSends(0, 0), await Log.CountPendingAsync("acme", "c1"));
        Assert.Equal(2, (await Log.CountAsync("acme", "c1")).Cancelled);
    }
}
