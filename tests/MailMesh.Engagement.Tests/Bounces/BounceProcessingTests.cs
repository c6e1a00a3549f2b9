using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Bounces;

public sealed class BounceProcessingTests : IAsyncLifetime
{
    private const string Tenant = "acme";
    private BounceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await BounceSilo.StartAsync(new Dictionary<string, string?>
    {
        ["Bounces:SoftBounceLimit"] = "3",
        ["Bounces:SoftBounceWindow"] = "30.00:00:00",
    });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private IContactGrain Contact(string address) => _silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(Tenant, address));

    private static string Verp(MailMesh.Grains.Campaigns.SendRecord record) => ReturnPath.Format("bounces", record.SendId, "bounces.shop.example.com");

    [Fact]
    public async Task ProcessMessage_HardBounceThroughVerp_SuppressesContactAndEmitsEvents()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "jane@example.org");

        var result = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", BounceSamples.Bytes(BounceSamples.PostfixDsn("jane@example.org", Verp(send))));

        Assert.Equal(1, result.Recorded);
        Assert.Equal(1, result.Suppressed);
        var contact = await Contact("jane@example.org").Get();
        var suppression = Assert.Single(contact!.Suppressions);
        Assert.Equal(SuppressionReason.HardBounced, suppression.Reason);
        Assert.Contains("5.1.1", suppression.Detail, StringComparison.Ordinal);
        var events = await _silo.EventsAsync(Tenant);
        var bounced = Assert.Single(events, e => e.Type == "message.bounced");
        Assert.Contains("\"type\":\"hard\"", bounced.PayloadJson, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"user_unknown\"", bounced.PayloadJson, StringComparison.Ordinal);
        Assert.Contains("\"campaignId\":\"spring\"", bounced.PayloadJson, StringComparison.Ordinal);
        Assert.Single(events, e => e.Type == "contact.suppressed");
    }

    [Fact]
    public async Task ProcessMessage_SameMessageTwice_CountsOnce()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "jane@example.org");
        var bytes = BounceSamples.Bytes(BounceSamples.PostfixDsn("jane@example.org", Verp(send), "5.2.2", "552 5.2.2 <{0}>: Mailbox full"));

        await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", bytes);
        var again = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", bytes);

        Assert.Equal(1, again.Duplicates);
        var ledger = await _silo.Grains.GetGrain<IBounceLedgerGrain>(BounceKeys.Contact(Tenant, "jane@example.org")).Get();
        Assert.Equal(1, ledger!.SoftBounces);
        Assert.Single(await _silo.EventsAsync(Tenant, "message"));
    }

    [Fact]
    public async Task ProcessMessage_SameHardBounceEightTimesAtOnce_RecordsAndSuppressesOnce()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "jane@example.org");
        var bytes = BounceSamples.Bytes(BounceSamples.PostfixDsn("jane@example.org", Verp(send)));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", bytes))));

        Assert.Equal(7, results.Sum(r => r.Duplicates));
        Assert.Equal(1, results.Sum(r => r.Suppressed));
        var ledger = await _silo.Grains.GetGrain<IBounceLedgerGrain>(BounceKeys.Contact(Tenant, "jane@example.org")).Get();
        Assert.Equal(1, ledger!.HardBounces);
        Assert.Single((await Contact("jane@example.org").Get())!.Suppressions);
        var events = await _silo.EventsAsync(Tenant);
        Assert.Single(events, e => e.Type == "message.bounced");
        Assert.Single(events, e => e.Type == "contact.suppressed");
    }

    [Fact]
    public async Task ProcessMessage_SoftBouncesReachLimit_SuppressOnlyAtTheLimit()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "jane@example.org");
        var bytes = BounceSamples.Bytes(BounceSamples.PostfixDsn("jane@example.org", Verp(send), "5.2.2", "552 5.2.2 <{0}>: Mailbox full"));

        await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", bytes);
        await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m2", bytes);
        var afterTwo = await Contact("jane@example.org").Get();
        var third = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m3", bytes);

        Assert.Null(afterTwo);
        Assert.Equal(1, third.Suppressed);
        var contact = await Contact("jane@example.org").Get();
        Assert.Contains("3 soft bounces", Assert.Single(contact!.Suppressions).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessMessage_ArfComplaint_SuppressesAsComplained()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "gina@example.org");

        var result = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", BounceSamples.Bytes(BounceSamples.Arf("gina@example.org", Verp(send))));

        Assert.Equal(1, result.Suppressed);
        Assert.Equal(SuppressionReason.Complained, Assert.Single((await Contact("gina@example.org").Get())!.Suppressions).Reason);
        Assert.Single(await _silo.EventsAsync(Tenant), e => e.Type == "message.complained");
    }

    [Fact]
    public async Task ProcessMessage_OptOutReport_UnsubscribesInsteadOfSuppressing()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "gina@example.org");

        await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", BounceSamples.Bytes(BounceSamples.Arf("gina@example.org", Verp(send), "opt-out")));

        var events = await _silo.EventsAsync(Tenant);
        Assert.Single(events, e => e.Type == "contact.unsubscribed");
        Assert.DoesNotContain(events, e => e.Type == "contact.suppressed");
    }

    [Fact]
    public async Task ProcessMessage_MatchedByOriginalMessageIdOnly_FindsTheSend()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "bob@example.org");
        var text = BounceSamples.PostfixDsn("bob@example.org", "someone-else@shop.example.com", messageId: $"{send.SendId}.spring@shop.example.com");

        var result = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", BounceSamples.Bytes(text));

        Assert.Equal(1, result.Suppressed);
    }

    [Fact]
    public async Task ProcessMessage_UnmatchedBounce_IsKeptForReview()
    {
        var result = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", BounceSamples.Bytes(BounceSamples.PostfixDsn("zed@example.org", "news@shop.example.com")));

        Assert.Equal(1, result.Reviewed);
        var item = Assert.Single(await _silo.Store.ListReviewAsync(Tenant));
        Assert.Equal("unmatched", item.Problem);
        Assert.Equal("zed@example.org", item.Recipient);
        Assert.Equal("hard_bounce", item.Kind);
    }

    [Fact]
    public async Task ProcessMessage_UnclassifiableMessage_IsKeptForReviewOnce()
    {
        var bytes = BounceSamples.Bytes("From: a@example.org\r\nSubject: hello\r\n\r\nnot a bounce\r\n");

        await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", bytes);
        await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", bytes);

        var item = Assert.Single(await _silo.Store.ListReviewAsync(Tenant));
        Assert.Equal("unclassified", item.Problem);
        Assert.Equal("hello", item.Subject);
    }

    [Fact]
    public async Task ProcessMessage_AutoReply_IsIgnored()
    {
        var result = await _silo.Processor.ProcessMessageAsync(Tenant, "mailbox:acme/bounces", "m1", BounceSamples.Bytes(BounceSamples.Vacation("henry@example.org")));

        Assert.True(result.Ignored);
        Assert.Empty(await _silo.Store.ListReviewAsync(Tenant));
        Assert.Empty(await _silo.EventsAsync(Tenant));
    }
}
