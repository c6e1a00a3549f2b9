using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using MailMesh.Campaigns.Links;
using MailMesh.EndToEnd.Tests.Support;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.EndToEnd.Tests.Tracking;

/// <summary>Tracking URLs of a sent message changed on the way (tampered, truncated, forged with another key, used for
/// another purpose) are refused with 400/404/410, never redirected anywhere, reveal nothing, and count nothing.</summary>
[Collection(SentCampaignCollection.Name)]
public sealed class TokenRefusalTests(SentCampaignFixture campaign) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

    [ServerFact(Server.SmtpCapture)]
    public async Task TrackingUrls_TamperedTruncatedForgedOrMisused_AreRefusedWithoutRedirectAndCountNothing()
    {
        var fay = campaign.MessageTo(campaign.Fay);
        var click = fay.Link("Spring sale").Href;
        var (clickBase, clickToken) = Split(click, "/c/");
        var (_, pixelToken) = Split(fay.Pixel!, "/o/");
        pixelToken = pixelToken[..^".gif".Length];
        var (unsubscribeBase, unsubscribeToken) = Split(fay.ListUnsubscribeUrl, "/u/");
        var forged = Forge(clickToken, new TrackingClaims(
            TrackingKind.Click, EndToEndSilo.Tenant, SentCampaignFixture.CampaignId, campaign.Fay, DateTimeOffset.UtcNow.AddMinutes(-1), 0, null, "https://evil.example/login"));

        var refused = new (HttpMethod Method, string Url)[]
        {
            (HttpMethod.Get, clickBase + Tamper(clickToken)),
            (HttpMethod.Get, clickBase + clickToken[..(clickToken.Length / 2)]),
            (HttpMethod.Get, clickBase + clickToken[..^1]),
            (HttpMethod.Get, clickBase + forged),
            (HttpMethod.Get, clickBase + Uri.EscapeDataString("https://evil.example/login")),
            (HttpMethod.Get, clickBase + pixelToken),
            (HttpMethod.Get, fay.Pixel!.Replace(pixelToken, Tamper(pixelToken), StringComparison.Ordinal)),
            (HttpMethod.Get, unsubscribeBase + Tamper(unsubscribeToken)),
            (HttpMethod.Get, unsubscribeBase + clickToken),
        };
        foreach (var (method, url) in refused)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
            using var response = await _http.SendAsync(request);
            await AssertRefusedAsync(response, url);
        }

        foreach (var token in new[] { Tamper(unsubscribeToken), clickToken, forged })
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, unsubscribeBase + token)
            {
                Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("List-Unsubscribe", "One-Click")]),
            };
            using var response = await _http.SendAsync(post);
            await AssertRefusedAsync(response, "one-click POST to " + post.RequestUri);
        }

        // Whatever was accepted has reached the grains once the writer is idle: nothing about fay.
        using (var idle = new CancellationTokenSource(Poll.DefaultTimeout))
        {
            await campaign.Silo.App.Services.GetRequiredService<TrackingWriter>().WaitIdleAsync(idle.Token);
        }

        Assert.Null(await campaign.Silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact(EndToEndSilo.Tenant, campaign.Fay)).Get());
        Assert.Empty(await campaign.Silo.ContactEventsAsync(campaign.Fay, "message.opened"));
        Assert.Empty(await campaign.Silo.ContactEventsAsync(campaign.Fay, "message.clicked"));
        Assert.Empty(await campaign.Silo.ContactEventsAsync(campaign.Fay, "contact.unsubscribed"));
        var fayInfo = (await campaign.Silo.ContactAsync(campaign.Fay))!;
        Assert.Empty(fayInfo.Suppressions);
        Assert.Equal(0, fayInfo.Engagement.Opens + fayInfo.Engagement.Clicks);

        // The untouched URLs still work: the refusals were about the changes, not the message.
        using var genuine = await _http.GetAsync(click);
        Assert.Equal(HttpStatusCode.Found, genuine.StatusCode);
        Assert.Equal("https://shop.example/spring", genuine.Headers.Location?.OriginalString);
    }

    public void Dispose() => _http.Dispose();

    private async Task AssertRefusedAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Gone,
            $"{what} answered {(int)response.StatusCode}, not 400/404/410");
        Assert.Null(response.Headers.Location);
        var body = await response.Content.ReadAsStringAsync();
        foreach (var secret in new[] { campaign.Fay, campaign.Tag, EndToEndSilo.Tenant, SentCampaignFixture.CampaignId, "evil.example" })
        {
            Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static (string Base, string Token) Split(string url, string route)
    {
        var at = url.IndexOf(route, StringComparison.Ordinal);
        Assert.True(at > 0, $"'{url}' has no '{route}'");
        return (url[..(at + route.Length)], url[(at + route.Length)..]);
    }

    /// <summary>The token with one character in the middle changed to another base64url character.</summary>
    private static string Tamper(string token)
    {
        var chars = token.ToCharArray();
        var middle = chars.Length / 2;
        chars[middle] = chars[middle] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    /// <summary>A token for <paramref name="claims"/> in the right format, under the key id of <paramref name="genuine"/>,
    /// but signed with a key only the forger has.</summary>
    private static string Forge(string genuine, TrackingClaims claims)
    {
        var keyId = Base64Url.DecodeFromChars(genuine)[1];
        var ring = new TrackingKeyRing(new Dictionary<byte, byte[]> { [keyId] = RandomNumberGenerator.GetBytes(32) }, keyId);
        return new TrackingTokenCodec(ring, TimeSpan.FromDays(365)).Encode(claims);
    }
}
