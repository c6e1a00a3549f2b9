using System.Net;
using System.Text.RegularExpressions;
using MailMesh.Campaigns.Links;
using MailMesh.Grains.Contacts;

namespace MailMesh.Engagement.Tests.Tracking;

public sealed partial class UnsubscribeTests : IAsyncLifetime
{
    private TrackingSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TrackingSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task OneClickPost_ClientFollowingNoRedirects_Gets200AndTheContactIsUnsubscribedFromTheList()
    {
        await _silo.CreateContactAsync(lists: ["news", "offers"]);
        var token = _silo.Token(TrackingKind.Unsubscribe, list: "news");

        using var response = await _silo.Http.PostAsync($"/u/{token}", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var contact = (await _silo.ContactAsync())!;
        var suppression = Assert.Single(contact.Suppressions);
        Assert.Equal(("news", SuppressionReason.Unsubscribed), (suppression.Scope, suppression.Reason));
        Assert.False(contact.MailableFor("news"));
        Assert.True(contact.MailableFor("offers"));
        Assert.Contains(contact.Consent, c => c.Action == ConsentAction.Withdrawn && c.Source == "unsubscribe:one-click");
        Assert.Single(await _silo.EventsAsync("acme", "contact.unsubscribed"));
    }

    [Fact]
    public async Task OneClickPost_MultipartBodyWithoutList_UnsubscribesFromAllMail()
    {
        await _silo.CreateContactAsync(lists: ["news"]);
        using var body = new MultipartFormDataContent { { new StringContent("One-Click"), "List-Unsubscribe" } };

        using var response = await _silo.Http.PostAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe)}", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await _silo.ContactAsync())!.Mailable);
    }

    [Fact]
    public async Task Page_Get_OffersTheListAndAllMailAndMasksTheAddress()
    {
        await _silo.CreateContactAsync(lists: ["news"]);

        using var response = await _silo.Http.GetAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe, list: "news")}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("name=\"scope\" value=\"list\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"scope\" value=\"all\"", html, StringComparison.Ordinal);
        Assert.Contains("j***@example.com", html, StringComparison.Ordinal);
        Assert.DoesNotContain("jane@", html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_PostAllWithItsNonce_UnsubscribesFromAllMail()
    {
        await _silo.CreateContactAsync(lists: ["news"]);
        var path = $"/u/{_silo.Token(TrackingKind.Unsubscribe, list: "news")}";
        var nonce = NonceOf(await _silo.Http.GetStringAsync(path));

        using var response = await _silo.Http.PostAsync(path, new FormUrlEncodedContent([new("nonce", nonce), new("scope", "all")]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contact = (await _silo.ContactAsync())!;
        Assert.False(contact.Mailable);
        Assert.Equal("*", Assert.Single(contact.Suppressions).Scope);
    }

    [Fact]
    public async Task Page_PostWithoutNonce_IsRefusedWith403AndChangesNothing()
    {
        await _silo.CreateContactAsync(lists: ["news"]);

        using var response = await _silo.Http.PostAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe)}", new FormUrlEncodedContent([new("scope", "all")]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True((await _silo.ContactAsync())!.Mailable);
    }

    [Fact]
    public async Task Page_PostFromAnotherOrigin_IsRefusedWith403()
    {
        await _silo.CreateContactAsync();
        var path = $"/u/{_silo.Token(TrackingKind.Unsubscribe)}";
        var nonce = NonceOf(await _silo.Http.GetStringAsync(path));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("nonce", nonce), new("scope", "all")]) };
        request.Headers.Add("Origin", "https://evil.example.net");

        using var response = await _silo.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True((await _silo.ContactAsync())!.Mailable);
    }

    [Fact]
    public async Task Post_NeitherOneClickNorFormBody_IsRefusedClearly()
    {
        await _silo.CreateContactAsync();

        using var json = await _silo.Http.PostAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe)}", new StringContent("{\"unsubscribe\":true}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Contains("x-www-form-urlencoded", await json.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneClickPost_UnknownContact_Is404AndCreatesNoContact()
    {
        using var response = await _silo.Http.PostAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe, contact: "nobody@example.com")}",
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(await _silo.ContactAsync("nobody@example.com"));
    }

    internal static string NonceOf(string html) => NonceField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("The page has no nonce field: " + html);

    [GeneratedRegex("name=\"nonce\" value=\"([^\"]+)\"")]
    private static partial Regex NonceField();
}
