using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Testing;

namespace MailMesh.Api.Tests;

/// <summary>A campaign from the API to the capturing SMTP sink: template, contacts, segment, create, schedule, watch until
/// completed, then one message per mailable contact in the sink.</summary>
public sealed class CampaignsEndToEndTests(CampaignsApiHost host) : IClassFixture<CampaignsApiHost>
{
    [ServerFact(Server.SmtpCapture)]
    public async Task ScheduleNow_SegmentOfContacts_OneMessagePerContactInTheSink()
    {
        var key = await host.NewTenantAsync("cmp-e2e");
        using var client = host.Client(key);
        var tag = Guid.NewGuid().ToString("N")[..12];
        (string Address, string First)[] contacts = [($"ann-{tag}@example.com", "Ann"), ($"bob-{tag}@example.org", "Bob"), ($"cy-{tag}@example.net", "Cy")];
        var definition = await CampaignsApiHost.PrepareAsync(client, tag, [.. contacts, ($"zed-{tag}@example.com", "Zed")]);
        await client.Contacts().SuppressAsync(new SuppressContactRequest { Address = $"zed-{tag}@example.com", Reason = "manual" });
        await client.Campaigns.CreateAsync(new CreateCampaignRequest { Id = "launch", Definition = definition });
        var watch = new WatchCampaignProgressRequest { Id = "launch", Interval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200)) };

        await client.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = "launch" });
        var states = new List<Campaign>();
        try
        {
            await foreach (var state in client.Campaigns.WatchProgressAsync(watch, new CallOptions { Timeout = TimeSpan.FromSeconds(120) }))
            {
                states.Add(state);
            }
        }
        catch (MailMeshRpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            Assert.Fail($"the campaign did not end within 120 s; last seen: {states.LastOrDefault()}");
        }

        var final = states[^1];
        Assert.True(final.Status == CampaignStatus.Completed, $"the campaign ended {final.Status} ({final.StatusReason}): {final.Progress}");
        Assert.Equal((3L, 0L, 0L), (final.Progress.Sent, final.Progress.Failed, final.Progress.Deferred));
        Assert.Equal(final.Progress.Planned, final.Progress.Done);
        Assert.Contains(states, s => s.Status == CampaignStatus.Sending);
        var messages = SinkMessages.WithText(tag);
        Assert.Equal(3, messages.Count);
        foreach (var (address, first) in contacts)
        {
            var mine = Assert.Single(messages, m => m.Contains($"To: {address}", StringComparison.OrdinalIgnoreCase) || m.Contains($"<{address}>", StringComparison.OrdinalIgnoreCase));
            Assert.Contains($"Hello {first} {tag}", mine, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(messages, m => m.Contains($"zed-{tag}", StringComparison.Ordinal));
    }
}
