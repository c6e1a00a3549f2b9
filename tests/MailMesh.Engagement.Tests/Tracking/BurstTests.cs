using System.Net;
using MailMesh.Campaigns.Links;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Tracking;

public sealed class BurstTests
{
    [Fact]
    public async Task Open_BurstLargerThanTheQueue_EveryRequestAnswersAndEveryHitIsCounted()
    {
        await using var silo = await TrackingSilo.StartAsync(new Dictionary<string, string?> { ["Tracking:QueueCapacity"] = "64", ["Tracking:BatchSize"] = "50" });
        await silo.CreateContactAsync();
        const int hits = 1500;
        var path = $"/o/{silo.Token(TrackingKind.Open)}.gif";

        var statuses = await Task.WhenAll(Enumerable.Range(0, hits).Select(async _ =>
        {
            using var response = await silo.Http.GetAsync(path);
            return response.StatusCode;
        }));
        await silo.DrainAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(0, silo.Queue.Refused);
        Assert.Equal(hits, (await silo.Store.CountAsync("acme", "spring", HitKind.Open)).Raw);
        Assert.Equal(hits, (await silo.EventsAsync("acme", "message.opened")).Count);
        Assert.Equal(hits, (await silo.ContactAsync())!.Engagement.Opens);
    }

    [Fact]
    public async Task StopListener_HitsStillQueued_AreDrainedBeforeItReturns()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        var path = $"/c/{silo.Token(TrackingKind.Click, target: "https://shop.example.com/")}";
        for (var i = 0; i < 200; i++)
        {
            using var response = await silo.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }

        await silo.StopListenerAsync();

        Assert.Equal(0, silo.Queue.Depth);
        Assert.Equal(200, (await silo.Store.CountAsync("acme", "spring", HitKind.Click)).Raw);
        Assert.Equal(200, (await silo.EventsAsync("acme", "message.clicked")).Count);
    }
}
