using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Testing;
using Microsoft.Playwright;

namespace MailMesh.Reports.Tests;

/// <summary>The campaign report page in headless Debian chromium, driven by Microsoft.Playwright (its bundled node driver;
/// the browser is the system one through ExecutablePath, so nothing is downloaded).</summary>
[Collection(ReportsSiloCollection.Name)]
public sealed class ReportsBrowserTests(ReportsSilo silo)
{
    /// <summary>Overrides where the chromium binary is.</summary>
    public const string ChromiumVariable = "MAILMESH_TEST_CHROMIUM";

    [SkippableFact]
    public async Task CampaignPage_InHeadlessChromium_DrawsOneBarAndPointPerHourAndOneBarPerLink()
    {
        var chromium = FindChromium();
        Skip.If(chromium is null, $"chromium is not installed (Debian package 'chromium', installed by scripts/install-deps.sh; or set {ChromiumVariable})");
        var (_, admin, _) = await silo.SeedAsync("browser");
        using var client = silo.Client(admin);
        var report = await client.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "spring" });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"], Timeout = 120_000,
        });
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            // The API key as the Basic password, as a person would type it into the browser's sign-in prompt.
            HttpCredentials = new HttpCredentials { Username = "report", Password = admin, Send = HttpCredentialsSend.Always },
        });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        var requests = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Request += (_, request) => requests.Add(request.Url);

        var response = await page.GotoAsync(new Uri(silo.PageAddress, "reports/campaigns/spring").ToString(), new PageGotoOptions { Timeout = 60_000 });

        Assert.Equal(200, response!.Status);
        Assert.Equal("Campaign Spring news (spring) · MailMesh report", await page.TitleAsync());
        var hours = report.Hourly.Count;
        Assert.Equal(hours, await page.Locator("#chart-hourly rect.bar-sent").CountAsync());
        Assert.Equal(hours, await page.Locator("#chart-hourly circle.pt-opens").CountAsync());
        Assert.Equal(hours, await page.Locator("#chart-hourly circle.pt-clicks").CountAsync());
        var points = await page.Locator("#chart-hourly polyline.line-opens").GetAttributeAsync("points");
        Assert.Equal(hours, points!.Split(' ').Length);
        Assert.Equal(2, await page.Locator("#chart-links rect.bar-link").CountAsync());
        Assert.Equal(4, await page.Locator("#chart-funnel rect.bar-funnel").CountAsync());

        // Laid out: the first hour's bar (4 sent, the tallest) has a height, and the busier link's bar is the wider one.
        var firstBar = await page.Locator("#chart-hourly rect.bar-sent").First.BoundingBoxAsync();
        Assert.True(firstBar is { Height: > 50, Width: > 1 }, $"the first hour's bar was laid out as {firstBar?.Width}x{firstBar?.Height}");
        var links = page.Locator("#chart-links rect.bar-link");
        var busy = await links.Nth(0).BoundingBoxAsync();
        var quiet = await links.Nth(1).BoundingBoxAsync();
        Assert.True(busy!.Width > quiet!.Width, $"link 0 (2 clicks) is {busy.Width} wide, link 1 (1 click) {quiet.Width}");
        Assert.Equal("6", (await page.Locator("#delivery tr").Nth(1).Locator("td").First.InnerTextAsync()).Trim());

        Assert.Empty(problems);
        Assert.All(requests, url => Assert.StartsWith(silo.PageAddress.ToString(), url, StringComparison.Ordinal));
    }

    private static string? FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"{ChromiumVariable} names '{configured}', which does not exist");
        }

        return new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
    }
}
