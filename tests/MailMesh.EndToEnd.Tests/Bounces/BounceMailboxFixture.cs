using System.Text.Json;
using MailMesh.EndToEnd.Tests.Support;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Mailboxes;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Bounces;

/// <summary>A silo host whose bounce mailbox (<c>Bounces:Mailboxes:0 = acme/bounces</c>) is a normal MailMesh mailbox
/// syncing a Dovecot folder over IMAP, and a campaign ("autumn") sent through it into the aiosmtpd capture server; the
/// tests deliver what comes back for its messages into the folder. Two soft bounces suppress (Bounces:SoftBounceLimit).</summary>
public sealed class BounceMailboxFixture : IAsyncLifetime
{
    public const string CampaignId = "autumn";

    public const string MailboxKey = EndToEndSilo.Tenant + "/bounces";

    public const string FeedbackAddress = "fbl@bounces.shop.example";

    public string Tag { get; } = "e2eb" + Guid.NewGuid().ToString("N")[..10];

    public EndToEndSilo Silo { get; private set; } = null!;

    public DovecotFolder Folder { get; private set; } = null!;

    public IReadOnlyDictionary<string, IReadOnlyList<SentMessage>> Sent { get; private set; } = null!;

    /// <summary>Recipients by the part their returned mail plays.</summary>
    public IReadOnlyList<string> Recipients => ["hard", "soft", "away", "complains", "fine"];

    public IMailboxGrain Mailbox => Silo.Grains.GetGrain<IMailboxGrain>(MailboxKey);

    public string Address(string local) => $"{local}@{Tag}.example";

    public async Task InitializeAsync()
    {
        if (!TestServers.IsReachable(Server.SmtpCapture) || !TestServers.IsReachable(Server.Dovecot))
        {
            return;
        }

        Silo = await EndToEndSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Bounces:Mailboxes:0"] = MailboxKey,
            ["Bounces:SoftBounceLimit"] = "2",
        });
        await Silo.SeedAsync(
            Recipients.Select(r => (Address(r), (IReadOnlyDictionary<string, AttributeValue?>)new Dictionary<string, AttributeValue?> { ["first_name"] = AttributeValue.Of(r) })),
            new Grains.Campaigns.TemplateDefinition("autumn", "Autumn news for {{first_name}}", "<p>Hello {{first_name}}, <a href=\"https://shop.example/autumn\">autumn sale</a>.</p>", null));
        await Silo.SendCampaignAsync(CampaignId, "autumn");
        Sent = await SentMessage.CollectAsync(Tag, [.. Recipients.Select(Address)]);

        Folder = await DovecotFolder.CreateAsync();
        await Mailbox.Create(new CreateMailbox("Bounces", "bounces@bounces.shop.example"));
        await Mailbox.ConfigureSource(Folder.Source);
        await WaitForSyncAsync(await Mailbox.RequestSync());
    }

    /// <summary>The one message <paramref name="local"/>@tag got.</summary>
    public SentMessage MessageTo(string local)
    {
        var recipient = Address(local);
        return Sent.TryGetValue(recipient, out var messages) && messages.Count == 1
            ? messages[0]
            : throw new InvalidOperationException($"{recipient} got {(messages is null ? 0 : messages.Count)} messages, not one.");
    }

    /// <summary>Delivers <paramref name="message"/> into the bounce mailbox's Dovecot folder, has the mailbox sync it and
    /// waits until the bounce reader has looked at its <c>message.received</c> event (processed or ignored it).</summary>
    public async Task DeliverAsync(byte[] message)
    {
        var messageId = ReturnedMail.MessageId(message);
        await Folder.AppendAsync(message);
        var run = await Mailbox.RequestSync();
        await WaitForSyncAsync(run);
        var received = await Poll.UntilAsync($"the bounce mailbox to receive <{messageId}> (event message.received)",
            async () => (await Silo.EventsAsync("message.received", MailboxKey)).FirstOrDefault(e => ReceivedId(e) == messageId),
            e => e is not null, describe: _ => "not received");
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        try
        {
            await Silo.BounceReader.WaitForSequenceAsync(received!.Sequence, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The bounce mailbox reader did not get to event {received!.Sequence} (<{messageId}>) within {Poll.DefaultTimeout.TotalSeconds:0} s.");
        }
    }

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        if (Folder is not null)
        {
            await Folder.DisposeAsync();
        }
    }

    private async Task WaitForSyncAsync(long run)
    {
        var status = await Poll.UntilAsync($"sync run {run} of mailbox {MailboxKey} to end", () => Mailbox.GetSyncStatus(), s => s.Runs >= run,
            describe: s => s.ToString());
        if (status.LastErrorKind != SyncErrorKind.None)
        {
            throw new InvalidOperationException($"Sync run {run} of {MailboxKey} (Dovecot folder {Folder.Name}) failed: {status.LastErrorKind} {status.LastError}");
        }
    }

    private static string? ReceivedId(EventRecord e)
    {
        using var json = JsonDocument.Parse(e.PayloadJson);
        return json.RootElement.TryGetProperty("messageId", out var id) ? id.GetString()?.Trim('<', '>') : null;
    }
}
