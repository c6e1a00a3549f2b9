using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>Claims and outcomes find their record by its key (campaign, contact) and change it only when its id agrees
/// (docs/adr/campaigns-08-keyed-send-log-writes.md).</summary>
public abstract partial class SendLogContractTests
{
    [SkippableFact]
    public async Task TryMarkSendingAsync_SameContactInTwoCampaigns_ClaimsOnlyTheNamedCampaignsRecord()
    {
        PlannedSend first = Plan("a@example.com"), second = Plan("a@example.com", campaign: "c2");
        await Log.EnqueueAsync("acme", "c1", [first], T0);
        await Log.EnqueueAsync("acme", "c2", [second], T0);

        var claimed = await Log.TryMarkSendingAsync("acme", [new SendClaim("c2", "a@example.com", second.SendId, SendStatus.Queued, "m@shop.example")], T0);

        Assert.Equal([true], claimed);
        Assert.Equal(SendStatus.Queued, (await Log.FindAsync("acme", first.SendId))!.Status);
        Assert.Equal((SendStatus.Sending, "m@shop.example"), ((await Log.FindAsync("acme", second.SendId))!.Status, (await Log.FindAsync("acme", second.SendId))!.MessageId));
    }

    [SkippableFact]
    public async Task TryMarkSendingAsync_KeyOfOneRecordWithIdOfAnother_ClaimsNothing()
    {
        PlannedSend a = Plan("a@example.com"), b = Plan("b@example.com");
        await Log.EnqueueAsync("acme", "c1", [a, b], T0);

        var claimed = await Log.TryMarkSendingAsync("acme", [new SendClaim("c1", a.ContactAddress, b.SendId, SendStatus.Queued, null)], T0);

        Assert.Equal([false], claimed);
        Assert.Equal(2, (await Log.CountAsync("acme", "c1")).Queued);
    }

    [SkippableFact]
    public async Task CompleteAsync_OutcomeNamingAnotherCampaign_IsMissedAndLeavesTheRecordSending()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);
        Assert.Equal([true], await Log.TryMarkSendingAsync("acme", [new SendClaim("c1", send.ContactAddress, send.SendId, SendStatus.Queued, null)], T0));

        var missed = await Log.CompleteAsync("acme", [new SendCompletion("c2", send.ContactAddress, send.SendId, SendStatus.Sent, 250, "ok", null)], T0);

        Assert.Equal([send.SendId], missed);
        Assert.Equal(SendStatus.Sending, (await Log.FindAsync("acme", send.SendId))!.Status);
    }

    [SkippableFact]
    public async Task TryMarkSendingAsync_OneRecordById_FindsItsKeyAndClaimsIt()
    {
        var send = Plan("a@example.com");
        await Log.EnqueueAsync("acme", "c1", [send], T0);

        Assert.True(await Log.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, "m@shop.example", T0));
        Assert.False(await Log.TryMarkSendingAsync("acme", SendId.For("acme", "c1", "nobody@example.com"), SendStatus.Queued, null, T0));
        await Log.CompleteAsync("acme", send.SendId, SendStatus.Sent, 250, "ok", null, T0);

        Assert.Equal(SendStatus.Sent, (await Log.FindAsync("acme", send.SendId))!.Status);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Log.CompleteAsync("acme", SendId.For("acme", "c1", "nobody@example.com"), SendStatus.Sent, 250, "ok", null, T0));
    }
}
