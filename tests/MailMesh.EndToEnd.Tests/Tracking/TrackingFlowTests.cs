using System.Net;
using MailMesh.EndToEnd.Tests.Support;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Tracking;

/// <summary>The engagement half: the URLs of the sent messages hit over HTTP as a person's mail client and browser (and a
/// link scanner) would, then the campaign's hit counts, the contacts' state and the event log.</summary>
[Collection(SentCampaignCollection.Name)]
public sealed class TrackingFlowTests(SentCampaignFixture campaign) : IDisposable
{
    private const string MailClient = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0";
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    private const string Scanner = "Mozilla/5.0 (compatible; Barracuda Link Protection)";

    // A person's client follows no redirect here: each answer is looked at as the tracking listener sent it.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

    [ServerFact(Server.SmtpCapture)]
    public async Task TrackingUrls_OfTheSentMessagesOpenedClickedAndUnsubscribed_CountsContactStateAndEventsFollow()
    {
        var (ann, bob, cid, dee) = (campaign.MessageTo(campaign.Ann), campaign.MessageTo(campaign.Bob), campaign.MessageTo(campaign.Cid), campaign.MessageTo(campaign.Dee));

        // ann: her gateway prefetches the pixel (HEAD) and a link scanner pre-clicks her gold link; then she opens the
        // message and clicks two links.
        await AssertPixelAsync(HttpMethod.Head, ann.Pixel!, MailClient);
        await AssertRedirectAsync(ann.Link("Gold lounge").Href, "https://shop.example/gold?code=C-100&utm=mail", Scanner);
        await AssertPixelAsync(HttpMethod.Get, ann.Pixel!, MailClient);
        await AssertRedirectAsync(ann.Link("Gold lounge").Href, "https://shop.example/gold?code=C-100&utm=mail", Browser);
        await AssertRedirectAsync(ann.Link("Spring sale").Href, "https://shop.example/spring", Browser);
        // bob opens once and clicks the same link twice; cid opens twice and clicks nothing.
        await AssertPixelAsync(HttpMethod.Get, bob.Pixel!, MailClient);
        await AssertRedirectAsync(bob.Link("Standard offers").Href, "https://shop.example/offers?tier=standard", Browser);
        await AssertRedirectAsync(bob.Link("Standard offers").Href, "https://shop.example/offers?tier=standard", Browser);
        await AssertPixelAsync(HttpMethod.Get, cid.Pixel!, MailClient);
        await AssertPixelAsync(HttpMethod.Get, cid.Pixel!, MailClient);
        // dee looks at the unsubscribe page, then her mail client sends the RFC 8058 one-click POST.
        using (var page = await SendAsync(HttpMethod.Get, dee.Link("Unsubscribe").Href, Browser))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("d***@" + campaign.Tag + ".example", html, StringComparison.Ordinal);
            Assert.DoesNotContain(campaign.Dee, html, StringComparison.Ordinal);
            Assert.Contains("value=\"list\"", html, StringComparison.Ordinal);
            Assert.Contains("value=\"all\"", html, StringComparison.Ordinal);
        }

        Assert.True((await campaign.Silo.ContactAsync(campaign.Dee))!.MailableFor(EndToEndSilo.List), "viewing the unsubscribe page unsubscribed dee");
        using (var oneClick = await PostOneClickAsync(dee.ListUnsubscribeUrl))
        {
            Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
            Assert.Null(oneClick.Headers.Location);
        }

        // The hit store: raw counts every hit, human leaves out the scanner's; unique counts contacts.
        var hits = campaign.Silo.Hits;
        var opens = await Poll.UntilAsync("the hit store to count 5 opens (4 human) from 3 contacts",
            () => hits.CountAsync(EndToEndSilo.Tenant, SentCampaignFixture.CampaignId, HitKind.Open), c => c == new HitCounts(5, 4, 3, 3));
        var clicks = await Poll.UntilAsync("the hit store to count 5 clicks (4 human) from 2 contacts",
            () => hits.CountAsync(EndToEndSilo.Tenant, SentCampaignFixture.CampaignId, HitKind.Click), c => c == new HitCounts(5, 4, 2, 2));
        Assert.Equal(new HitCounts(5, 4, 3, 3), opens);
        Assert.Equal(new HitCounts(5, 4, 2, 2), clicks);

        // The contacts: human opens and clicks, times, score and status.
        var annInfo = await WaitForEngagementAsync(campaign.Ann, opens: 1, clicks: 2);
        Assert.NotNull(annInfo.Engagement.LastOpenAt);
        Assert.NotNull(annInfo.Engagement.LastClickAt);
        Assert.Equal("active", annInfo.Engagement.Status);
        Assert.True(annInfo.Engagement.Score > 0, $"ann's score is {annInfo.Engagement.Score}");
        await WaitForEngagementAsync(campaign.Bob, opens: 1, clicks: 2);
        var cidInfo = await WaitForEngagementAsync(campaign.Cid, opens: 2, clicks: 0);
        Assert.Null(cidInfo.Engagement.LastClickAt);
        var annSummary = await campaign.Silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact(EndToEndSilo.Tenant, campaign.Ann)).Get();
        Assert.Equal((2L, 1L, 3L, 2L), (annSummary!.RawOpens, annSummary.HumanOpens, annSummary.RawClicks, annSummary.HumanClicks));

        // dee: unsubscribed from the campaign's list (the one-click scope), still mailable for other lists, on the
        // suppression list the segments read.
        var deeInfo = (await campaign.Silo.ContactAsync(campaign.Dee))!;
        var unsubscribed = Assert.Single(deeInfo.Suppressions);
        Assert.Equal((EndToEndSilo.List, SuppressionReason.Unsubscribed), (unsubscribed.Scope, unsubscribed.Reason));
        Assert.False(deeInfo.MailableFor(EndToEndSilo.List));
        Assert.True(deeInfo.Mailable);
        var segments = campaign.Silo.Grains.GetGrain<ISegmentDirectoryGrain>(EndToEndSilo.Tenant + "/segments");
        var unsubscribedSegment = await Poll.UntilAsync("the segment 'unsubscribed from \"news\"' to list dee",
            () => segments.Preview($"unsubscribed from \"{EndToEndSilo.List}\"", 100), p => p.Sample.Contains(campaign.Dee, StringComparer.OrdinalIgnoreCase),
            describe: p => string.Join(", ", p.Sample));
        Assert.DoesNotContain(campaign.Ann, unsubscribedSegment.Sample, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(campaign.Dee, (await segments.Preview("unsubscribed", 100)).Sample, StringComparer.OrdinalIgnoreCase);

        // The event log: one event per hit, with the classification, and dee's unsubscribe.
        await AssertEventsAsync(campaign.Ann, "message.opened", ("machine", "head-request"), ("human", null));
        await AssertEventsAsync(campaign.Ann, "message.clicked", ("machine", "bot-agent"), ("human", null), ("human", null));
        await AssertEventsAsync(campaign.Bob, "message.opened", ("human", null));
        await AssertEventsAsync(campaign.Bob, "message.clicked", ("human", null), ("human", null));
        await AssertEventsAsync(campaign.Cid, "message.opened", ("human", null), ("human", null));
        Assert.Empty(await campaign.Silo.ContactEventsAsync(campaign.Cid, "message.clicked"));
        var clicked = await campaign.Silo.ContactEventsAsync(campaign.Ann, "message.clicked");
        Assert.Equal(
            ["https://shop.example/gold?code=C-100&utm=mail", "https://shop.example/gold?code=C-100&utm=mail", "https://shop.example/spring"],
            clicked.Select(e => EndToEndSilo.Payload(e, "url")));
        Assert.All(clicked, e => Assert.Equal(SentCampaignFixture.CampaignId, EndToEndSilo.Payload(e, "campaign")));
        var unsubscribeEvent = Assert.Single(await campaign.Silo.ContactEventsAsync(campaign.Dee, "contact.unsubscribed"));
        Assert.Equal(EndToEndSilo.List, EndToEndSilo.Payload(unsubscribeEvent, "list"));
        Assert.Equal("unsubscribe:one-click", EndToEndSilo.Payload(unsubscribeEvent, "source"));
        Assert.Empty(await campaign.Silo.ContactEventsAsync(campaign.Dee, "contact.suppressed"));
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string userAgent)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.UserAgent.ParseAdd(userAgent);
        return await _http.SendAsync(request);
    }

    /// <summary>The RFC 8058 POST a mail client sends for the List-Unsubscribe header: no cookies, no redirects followed.</summary>
    private async Task<HttpResponseMessage> PostOneClickAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("List-Unsubscribe", "One-Click")]),
        };
        request.Headers.UserAgent.ParseAdd(MailClient);
        return await _http.SendAsync(request);
    }

    private async Task AssertPixelAsync(HttpMethod method, string url, string userAgent)
    {
        using var response = await SendAsync(method, url, userAgent);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore, $"the pixel {url} may be cached: {response.Headers.CacheControl}");
        if (method == HttpMethod.Get)
        {
            Assert.Equal("GIF89a"u8.ToArray(), (await response.Content.ReadAsByteArrayAsync())[..6]);
        }
    }

    /// <summary>The click URL answers 302 to exactly <paramref name="target"/>, the address the template linked to.</summary>
    private async Task AssertRedirectAsync(string url, string target, string userAgent)
    {
        using var response = await SendAsync(HttpMethod.Get, url, userAgent);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(target, response.Headers.Location?.OriginalString);
    }

    private Task<ContactInfo> WaitForEngagementAsync(string address, long opens, long clicks) =>
        Poll.UntilAsync($"{address}'s contact to show {opens} human opens and {clicks} human clicks",
            async () => (await campaign.Silo.ContactAsync(address))!,
            c => c.Engagement.Opens == opens && c.Engagement.Clicks == clicks,
            describe: c => c.Engagement.ToString());

    /// <summary>The contact's events of <paramref name="type"/> carry these classifications and reasons, in order.</summary>
    private async Task AssertEventsAsync(string address, string type, params (string Classification, string? Reason)[] expected)
    {
        var events = await Poll.UntilAsync($"{expected.Length} '{type}' events about {address}",
            () => campaign.Silo.ContactEventsAsync(address, type), e => e.Count >= expected.Length, describe: e => $"{e.Count} events");
        Assert.Equal(expected, events.Select(e => (EndToEndSilo.Payload(e, "classification")!, EndToEndSilo.Payload(e, "reason"))));
    }
}
