using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Scoring;
using MailMesh.Engagement.Tests.Tracking;
using MailMesh.Grains.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MailMesh.Engagement.Tests.Scoring;

public sealed class EngagementPassTests
{
    private static async Task<(TrackingSilo Silo, FakeTimeProvider Time)> StartAsync(string action)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var silo = await TrackingSilo.StartAsync(new Dictionary<string, string?> { ["Engagement:DormantAction"] = action }, time);
        await silo.CreateContactAsync(lists: ["news"]);
        using var response = await silo.Http.GetAsync($"/o/{silo.Token(TrackingKind.Open)}.gif");
        await silo.DrainAsync();
        return (silo, time);
    }

    [Fact]
    public async Task RunOnce_ActiveContactSilentForSevenMonths_BecomesDormantAndIsSuppressed()
    {
        var (silo, time) = await StartAsync("Suppress");
        await using var _ = silo;
        Assert.Equal("active", (await silo.ContactAsync())!.Engagement.Status);

        time.Advance(TimeSpan.FromDays(200));
        var (rescored, dormant) = await silo.Silo.Services.GetRequiredService<EngagementPass>().RunOnceAsync();

        Assert.Equal((1, 1), (rescored, dormant));
        var contact = (await silo.ContactAsync())!;
        Assert.Equal("dormant", contact.Engagement.Status);
        Assert.Equal(1, contact.Engagement.Opens);
        var suppression = Assert.Single(contact.Suppressions);
        Assert.Equal(SuppressionReason.Manual, suppression.Reason);
        Assert.Contains("dormant", suppression.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnce_RepermissionPolicy_AddsTheListOnceAndLeavesTheContactMailable()
    {
        var (silo, time) = await StartAsync("Repermission");
        await using var _ = silo;
        time.Advance(TimeSpan.FromDays(200));
        var pass = silo.Silo.Services.GetRequiredService<EngagementPass>();

        await pass.RunOnceAsync();
        var second = await pass.RunOnceAsync();

        Assert.Equal((0, 0), second);
        var contact = (await silo.ContactAsync())!;
        Assert.Contains("re-permission", contact.Lists);
        Assert.True(contact.Mailable);
    }

    [Fact]
    public async Task RunOnce_ActiveForFourMonths_BecomesInactiveWithALowerScore()
    {
        var (silo, time) = await StartAsync("None");
        await using var _ = silo;
        var before = (await silo.ContactAsync())!.Engagement.Score;

        time.Advance(TimeSpan.FromDays(120));
        await silo.Silo.Services.GetRequiredService<EngagementPass>().RunOnceAsync();

        var contact = (await silo.ContactAsync())!;
        Assert.Equal("inactive", contact.Engagement.Status);
        Assert.True(contact.Engagement.Score < before / 10, $"{contact.Engagement.Score} after 120 days vs {before}");
        Assert.Empty(contact.Suppressions);
    }
}
