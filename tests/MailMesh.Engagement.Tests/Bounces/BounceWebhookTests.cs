using System.Globalization;
using System.Net;
using System.Text;
using MailMesh.Engagement.Bounces;
using MailMesh.Grains.Contacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tests.Bounces;

public sealed class BounceWebhookTests : IAsyncLifetime
{
    private const string Tenant = "acme";
    private const string Secret = "a-long-enough-webhook-secret";
    private BounceSilo _silo = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _silo = await BounceSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Bounces:WebhookSecrets:acme"] = Secret,
            ["Bounces:WebhookMaxBodyBytes"] = "4096",
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(_silo.Processor);
        builder.Services.AddSingleton(_silo.Silo.Services.GetRequiredService<IOptions<BounceOptions>>());
        _app = builder.Build();
        _app.MapBounceWebhook();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _silo.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PostAsync(string json, string tenant = Tenant, string secret = Secret, long? timestamp = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var stamp = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/bounces/{tenant}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(BounceWebhook.TimestampHeader, stamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(BounceWebhook.SignatureHeader, BounceWebhook.Sign(secret, stamp, body));
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task Post_SignedHardBounceBySendId_SuppressesTheSendsContact()
    {
        var send = _silo.SendLog.Add(Tenant, "spring", "jane@example.org");

        using var response = await PostAsync($$"""{"events":[{"id":"e1","type":"bounce","bounceType":"hard","sendId":"{{send.SendId}}","status":"5.1.1","diagnostic":"550 5.1.1 user unknown"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"suppressed\":1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var contact = await _silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(Tenant, "jane@example.org")).Get();
        Assert.Equal(SuppressionReason.HardBounced, Assert.Single(contact!.Suppressions).Reason);
    }

    [Fact]
    public async Task Post_ComplaintByRecipientTwice_RecordsOnce()
    {
        const string json = """{"events":[{"id":"c1","type":"complaint","recipient":"gina@example.org","feedbackType":"abuse"}]}""";

        using var first = await PostAsync(json);
        using var second = await PostAsync(json);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("\"duplicates\":1", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await _silo.EventsAsync(Tenant, "message"));
    }

    [Fact]
    public async Task Post_WrongSignature_Is401AndChangesNothing()
    {
        using var response = await PostAsync("""{"events":[{"id":"e1","type":"complaint","recipient":"gina@example.org"}]}""", secret: "not-the-secret-at-all");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await _silo.EventsAsync(Tenant));
    }

    [Fact]
    public async Task Post_StaleTimestamp_Is401()
    {
        using var response = await PostAsync("""{"events":[{"id":"e1","type":"complaint","recipient":"gina@example.org"}]}""", timestamp: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_TenantWithoutSecret_Is401()
    {
        using var response = await PostAsync("""{"events":[{"id":"e1","type":"complaint","recipient":"gina@example.org"}]}""", tenant: "other");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("{not json", "not JSON")]
    [InlineData("""{"items":[]}""", "must be an object with an")]
    [InlineData("""{"events":[{"id":"e1","type":"bounce","bounceType":"medium","recipient":"a@example.org"}]}""", "events[0].bounceType")]
    [InlineData("""{"events":[{"id":"e1","type":"bounce","status":"five","recipient":"a@example.org"}]}""", "events[0].status")]
    [InlineData("""{"events":[{"type":"bounce","recipient":"a@example.org"}]}""", "events[0].id is required")]
    [InlineData("""{"events":[{"id":"e1","type":"bounce"}]}""", "needs at least one of recipient")]
    public async Task Post_BadJson_Is400SayingWhat(string json, string expected)
    {
        using var response = await PostAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BodyOverLimit_Is413()
    {
        var big = "{\"events\":[" + string.Join(',', Enumerable.Range(0, 200).Select(i => $"{{\"id\":\"e{i}\",\"type\":\"complaint\",\"recipient\":\"a{i}@example.org\"}}")) + "]}";

        using var response = await PostAsync(big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
