using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MailMesh.Api.V1;

namespace MailMesh.Reports.Tests;

/// <summary>The HTML report pages over plain HTTP: authentication, tenant isolation and error pages.</summary>
[Collection(ReportsSiloCollection.Name)]
public sealed class ReportsPageTests(ReportsSilo silo)
{
    [Fact]
    public async Task CampaignPage_NoKey_Answers401AskingForBasicCredentials()
    {
        using var http = new HttpClient { BaseAddress = silo.PageAddress };

        using var response = await http.GetAsync("reports/campaigns/spring");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("no API key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CampaignPage_KeyAsBasicPassword_RendersTheReportWithoutScripts()
    {
        var (tenant, admin, _) = await silo.SeedAsync("page");
        using var http = Http(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("anyone:" + admin))));

        using var response = await http.GetAsync("reports/campaigns/spring");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains($"Tenant {tenant}", html, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-hourly\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CampaignPage_AnotherTenantsKey_Answers404()
    {
        await silo.SeedAsync("pageowner");
        using var op = silo.Client(silo.OperatorKey);
        var stranger = (await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = "stranger-" + Guid.NewGuid().ToString("N")[..8], DisplayName = "s" })).AdminKey.Secret;
        using var http = Http(new AuthenticationHeaderValue("Bearer", stranger));

        using var response = await http.GetAsync("reports/campaigns/spring");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("campaign &#39;spring&#39; does not exist", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SegmentPage_UnknownSegmentAndBadCampaign_Answer404And400()
    {
        var (_, admin, _) = await silo.SeedAsync("pageerr");
        using var http = Http(new AuthenticationHeaderValue("Bearer", admin));

        using var unknown = await http.GetAsync("reports/segments/platinum");
        using var bad = await http.GetAsync("reports/segments/gold?campaign=Not%20An%20Id");
        using var fine = await http.GetAsync("reports/segments/gold?campaign=spring");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid campaign", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task CampaignPage_RevokedOrForgedKey_Answers401()
    {
        using var http = Http(new AuthenticationHeaderValue("Bearer", "mm_forged_key"));

        using var response = await http.GetAsync("reports/campaigns/spring");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private HttpClient Http(AuthenticationHeaderValue authorization)
    {
        var http = new HttpClient { BaseAddress = silo.PageAddress };
        http.DefaultRequestHeaders.Authorization = authorization;
        return http;
    }
}
