using System.Net;
using System.Text.Json;
using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Tracking;

public sealed class OpenAndClickTests : IAsyncLifetime
{
    private TrackingSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TrackingSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Open_ValidToken_ReturnsOnePixelGifThatIsNeverCached()
    {
        await _silo.CreateContactAsync();

        using var response = await _silo.Http.GetAsync($"/o/{_silo.Token(TrackingKind.Open)}.gif");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(42, body.Length);
        Assert.Equal("GIF89a"u8.ToArray(), body[..6]);
        Assert.Equal((1, 1), (body[6] | body[7] << 8, body[8] | body[9] << 8));
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.True(response.Headers.CacheControl.NoCache);
        Assert.Contains("no-cache", response.Headers.Pragma.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ByAPerson_IsCountedAsHumanOpenInEventsStoreAndContact()
    {
        await _silo.CreateContactAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/o/{_silo.Token(TrackingKind.Open)}.gif");
        request.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Thunderbird/128.0");

        using var response = await _silo.Http.SendAsync(request);
        await _silo.DrainAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var opened = Assert.Single(await _silo.EventsAsync("acme", "message.opened"));
        using var payload = JsonDocument.Parse(opened.PayloadJson);
        Assert.Equal("human", payload.RootElement.GetProperty("classification").GetString());
        Assert.Equal("spring", payload.RootElement.GetProperty("campaign").GetString());
        Assert.Equal(new HitCounts(1, 1, 1, 1), await _silo.Store.CountAsync("acme", "spring", HitKind.Open));
        var contact = await _silo.ContactAsync();
        Assert.Equal(1, contact!.Engagement.Opens);
        Assert.NotNull(contact.Engagement.LastOpenAt);
        Assert.Equal("active", contact.Engagement.Status);
        Assert.True(contact.Engagement.Score > 0);
    }

    [Fact]
    public async Task Click_ValidToken_RedirectsOnlyToTheSignedTarget()
    {
        await _silo.CreateContactAsync();
        var token = _silo.Token(TrackingKind.Click, target: "https://shop.example.com/p?id=1&x=%C3%A9", link: 2);

        using var response = await _silo.Http.GetAsync($"/c/{token}?url=https://evil.example.net/");
        await _silo.DrainAsync();

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("https://shop.example.com/p?id=1&x=%C3%A9", response.Headers.Location!.AbsoluteUri);
        var clicked = Assert.Single(await _silo.EventsAsync("acme", "message.clicked"));
        using var payload = JsonDocument.Parse(clicked.PayloadJson);
        Assert.Equal(2, payload.RootElement.GetProperty("link").GetInt32());
        Assert.Equal(1, (await _silo.ContactAsync())!.Engagement.Clicks);
    }

    [Fact]
    public async Task Click_SignedTargetThatIsNotWeb_IsRefusedWith400()
    {
        var token = _silo.Token(TrackingKind.Click, target: "javascript:alert(1)");

        using var response = await _silo.Http.GetAsync($"/c/{token}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Open_HitsForADeletedContact_AreKeptRawButCountNowhere()
    {
        using var response = await _silo.Http.GetAsync($"/o/{_silo.Token(TrackingKind.Open, contact: "gone@example.com")}.gif");
        await _silo.DrainAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await _silo.EventsAsync("acme", "message"));
        Assert.Null(await _silo.ContactAsync("gone@example.com"));
        Assert.Equal(1, (await _silo.Store.CountAsync("acme", "spring", HitKind.Open)).Raw);
    }
}
