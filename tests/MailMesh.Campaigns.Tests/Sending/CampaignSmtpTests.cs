using System.Text;
using System.Text.Json;
using MailMesh.Campaigns.Tests.Sending.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Sending;

/// <summary>Campaigns through the real composer and pooled SMTP submitter into the project's aiosmtpd capture server
/// (scripts/test-servers.sh up smtp), which keeps every message and its envelope.</summary>
public sealed class CampaignSmtpTests
{
    [ServerFact(Server.SmtpCapture)]
    public async Task Schedule_IntoRealSink_EachRecipientGetsExactlyOnePersonalizedMessage()
    {
        var capture = TestServers.SmtpCapture;
        var tag = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var silo = await CampaignSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Campaigns:Relay:Host"] = capture.Address.Host,
            ["Campaigns:Relay:Port"] = capture.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Campaigns:Relay:Tls"] = "None",
        });
        var addresses = Enumerable.Range(0, 24).Select(i => $"p{i:D2}@{tag}-{i % 4}.example").Append($"reject-1@{tag}.example").ToArray();
        await silo.SeedAsync(addresses);
        await silo.Contact(addresses[7]).Suppress(SuppressionReason.Manual, "asked by phone");
        await silo.Campaign("c1").Create(CampaignSilo.Definition());

        await silo.Campaign("c1").Schedule(null);
        await silo.WaitForEventAsync("c1", "campaign.completed");

        var received = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(capture.EnvelopesDirectory, "*.json"))
        {
            using var envelope = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            foreach (var rcpt in envelope.RootElement.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()!).Where(r => r.Contains(tag, StringComparison.Ordinal)))
            {
                var message = Path.Combine(capture.NewMessagesDirectory, Path.GetFileNameWithoutExtension(file));
                (received.TryGetValue(rcpt, out var list) ? list : received[rcpt] = []).Add(message);
            }
        }

        var expected = addresses.Where((_, i) => i != 7).Where(a => !a.StartsWith("reject-", StringComparison.Ordinal)).ToArray();
        var records = await silo.SendLog.ListAsync(CampaignSilo.Tenant, "c1", null, 100);
        Assert.True(received.Count == expected.Length,
            $"the sink got {received.Count} of {expected.Length} recipients; send log: "
            + string.Join("; ", records.GroupBy(r => (r.Status, r.LastCode, r.LastReply)).Select(g => $"{g.Count()} × {g.Key.Status} {g.Key.LastCode} {g.Key.LastReply}")));
        Assert.Equal(expected.Order(StringComparer.Ordinal), received.Keys.Order(StringComparer.Ordinal));
        Assert.All(received, r => Assert.True(r.Value.Count == 1, $"{r.Key} got {r.Value.Count} messages"));
        foreach (var (recipient, files) in received)
        {
            var text = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(files[0]));
            var headers = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
            Assert.Contains("Subject: Hello " + recipient.Split('@')[0], headers, StringComparison.Ordinal);
            Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", headers, StringComparison.Ordinal);
            Assert.Contains(SendId.For(CampaignSilo.Tenant, "c1", recipient).ToString(), headers, StringComparison.Ordinal);
        }

        var info = (await silo.Campaign("c1").Get())!;
        Assert.Equal((25L, 23L, 1L, 1L), (info.Progress.Planned, info.Progress.Sent, info.Progress.Failed, info.Progress.Suppressed));
        var rejected = await silo.SendLog.FindAsync(CampaignSilo.Tenant, SendId.For(CampaignSilo.Tenant, "c1", $"reject-1@{tag}.example"));
        Assert.Equal((SendStatus.Failed, 550), (rejected!.Status, rejected.LastCode));
        var failedEvent = (await silo.EventsAsync("c1")).Single(e => e.Type == "message.failed");
        using var payload = JsonDocument.Parse(failedEvent.PayloadJson);
        Assert.Equal($"reject-1@{tag}.example", payload.RootElement.GetProperty("contact").GetString());
        Assert.Equal("5.1.1", payload.RootElement.GetProperty("enhanced_code").GetString());
    }
}
