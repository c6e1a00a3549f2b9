using System.Buffers.Text;
using System.Net;
using MailMesh.Campaigns.Links;

namespace MailMesh.Engagement.Tests.Tracking;

public sealed class TokenRefusalTests : IAsyncLifetime
{
    private TrackingSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TrackingSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static string Route(TrackingKind kind, string token) => kind switch
    {
        TrackingKind.Open => $"/o/{token}.gif",
        TrackingKind.Click => $"/c/{token}",
        TrackingKind.Unsubscribe => $"/u/{token}",
        _ => $"/f/{token}",
    };

    private string Valid(TrackingKind kind) => _silo.Token(kind, list: kind == TrackingKind.Form ? "prefs" : null, target: kind == TrackingKind.Click ? "https://shop.example.com/" : null);

    [Theory]
    [InlineData(TrackingKind.Open)]
    [InlineData(TrackingKind.Click)]
    [InlineData(TrackingKind.Unsubscribe)]
    [InlineData(TrackingKind.Form)]
    public async Task Get_TamperedToken_IsRefusedWith404AndSaysNothing(TrackingKind kind)
    {
        await _silo.CreateContactAsync();
        var bytes = Base64Url.DecodeFromChars(Valid(kind));
        bytes[12] ^= 0x20;

        using var response = await _silo.Http.GetAsync(Route(kind, Base64Url.EncodeToString(bytes)));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Not found.\n", await response.Content.ReadAsStringAsync());
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData(TrackingKind.Open)]
    [InlineData(TrackingKind.Click)]
    [InlineData(TrackingKind.Unsubscribe)]
    [InlineData(TrackingKind.Form)]
    public async Task Get_TruncatedToken_IsRefusedWith400Or404(TrackingKind kind)
    {
        var token = Valid(kind);

        foreach (var length in new[] { 1, 10, token.Length / 2, token.Length - 1 })
        {
            using var response = await _silo.Http.GetAsync(Route(kind, token[..length]));
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"length {length}: {response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("%00%01")]
    [InlineData("not-a-token!")]
    [InlineData("AAAA")]
    public async Task Click_GarbageToken_IsRefusedWith400(string token)
    {
        using var response = await _silo.Http.GetAsync($"/c/{token}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Click_TokenLongerThanTheLimit_IsRefusedWith400()
    {
        using var response = await _silo.Http.GetAsync($"/c/{new string('A', TrackingTokenCodec.MaxTokenLength + 4)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData(TrackingKind.Open)]
    [InlineData(TrackingKind.Click)]
    [InlineData(TrackingKind.Unsubscribe)]
    public async Task Get_ExpiredToken_IsRefusedWith410(TrackingKind kind)
    {
        await _silo.CreateContactAsync();
        var token = _silo.Token(kind, target: "https://shop.example.com/", issuedAt: _silo.Time.GetUtcNow().AddDays(-500));

        using var response = await _silo.Http.GetAsync(Route(kind, token));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
    }

    [Fact]
    public async Task Click_TokenSignedWithAnotherKey_IsRefusedWith404()
    {
        var forger = new TrackingTokenCodec(new TrackingKeyRing(new Dictionary<byte, byte[]> { [1] = new byte[32] }, 1), TimeSpan.FromDays(1));
        var forged = forger.Encode(new TrackingClaims(TrackingKind.Click, "acme", "spring", "jane@example.com", DateTimeOffset.UtcNow, 0, null, "https://evil.example.net/"));

        using var response = await _silo.Http.GetAsync($"/c/{forged}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Click_OpenToken_IsRefusedWith404()
    {
        using var response = await _silo.Http.GetAsync($"/c/{_silo.Token(TrackingKind.Open)}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task UnsubscribePage_ContactOfAnotherTenant_Is404LikeAnyUnknownContact()
    {
        await _silo.CreateContactAsync(tenant: "acme");

        using var otherTenant = await _silo.Http.GetAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe, tenant: "globex")}");
        using var unknown = await _silo.Http.GetAsync($"/u/{_silo.Token(TrackingKind.Unsubscribe, contact: "nobody@example.com")}");

        Assert.Equal(HttpStatusCode.NotFound, otherTenant.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await otherTenant.Content.ReadAsStringAsync());
        Assert.Null(await _silo.ContactAsync(tenant: "globex"));
    }
}
