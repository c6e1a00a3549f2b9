using System.Diagnostics;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Writing;

namespace MailMesh.Bench.Campaigns;

/// <summary>Composition alone, on one thread, with the process CPU time of each stage (<c>--profile</c>): the whole
/// composer, then its pieces (Handlebars render, the link and text pass over the HTML, token signing, the MIME writer).</summary>
internal static class ComposeProfile
{
    public static async Task<int> RunAsync(int count, ICampaignMessageComposer composer, TemplateDefinition template, TrackingUrls urls)
    {
        for (var i = 0; i < 500; i++)
        {
            await CampaignBench.ComposeAsync(composer, template, i);
        }

        var size = 0L;
        Measure("compose (whole composer)", count, i =>
        {
            var message = CampaignBench.ComposeAsync(composer, template, i).AsTask().GetAwaiter().GetResult();
            size += message.Content.Length;
        });
        Console.WriteLine($"  average message {size / count} bytes");

        var compiled = new TemplateCompiler().Compile(template);
        var claims = new TrackingClaims(TrackingKind.Open, "acme", "bench-2026", "contact1@example.net", DateTimeOffset.UtcNow, List: "newsletter");
        var unsubscribe = urls.Unsubscribe(claims, "newsletter");
        var contacts = Enumerable.Range(0, 64).Select(CampaignBench.Contact).ToArray();
        Measure("  handlebars render (subject + html)", count, i => compiled.Render(contacts[i % 64], "contact@example.net", unsubscribe, "Europe/Paris", generateText: false));
        var html = compiled.Render(contacts[1], "contact@example.net", unsubscribe, "Europe/Paris", generateText: false).Html!;
        Measure("  html to text (AngleSharp)", count, _ => HtmlText.FromParsedHtml(html));
        Measure("  link rewrite + text (AngleSharp)", count, _ => LinkRewriter.RewriteParsedHtml(html, (k, t) => urls.Click(claims, k, t), urls.Open(claims), urls.BaseUrl, withText: true));
        Measure("  link rewrite + text (one pass)", count, _ => HtmlScanner.TryRewrite(html, (k, t) => urls.Click(claims, k, t), urls.Open(claims), urls.BaseUrl, withText: true));
        Measure("  one click token", count, i => urls.Click(claims, i & 7, "https://shop.example.com/p/kettle?c=C100001"));
        var text = HtmlText.FromHtml(html);
        Measure("  MessageBuilder + ToBytes", count, _ =>
        {
            var builder = new MessageBuilder
            {
                Subject = "Jane, your gold offers", Date = DateTimeOffset.UtcNow, MessageId = "abc.bench@example.com", TextBody = text, HtmlBody = html,
            };
            builder.From.Add(new MailboxAddress("Example Shop", "news@example.com"));
            builder.To.Add(new MailboxAddress(string.Empty, "contact1@example.net"));
            builder.ExtraHeaders.Add(new("List-Unsubscribe", $"<{unsubscribe}>, <mailto:unsubscribe+x@bounces.example.com?subject=unsubscribe>"));
            builder.Build().ToBytes(new FormatOptions { EnsureCrlf = true });
        });
        return 0;
    }

    private static void Measure(string what, int count, Action<int> action)
    {
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            action(i);
        }

        var wall = clock.Elapsed.TotalSeconds;
        self.Refresh();
        var used = (self.TotalProcessorTime - cpu).TotalSeconds;
        var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine($"{what,-40} CPU {used * 1e6 / count,8:F1} µs/msg   wall {wall * 1e6 / count,8:F1} µs/msg   alloc {bytes / count / 1024.0,7:F1} KB/msg");
    }
}
