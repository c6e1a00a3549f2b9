using System.Diagnostics;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Writing;

namespace MailMesh.Bench.Campaigns;

/// <summary>Composition alone, on one thread, with the process CPU time of each stage (<c>--profile</c>): the whole
/// composer, then its pieces (Handlebars render, the link and text pass over the HTML, token signing, the MIME writer,
/// DKIM), then the whole composer once more. The process CPU includes the JIT's and the GC's background threads: the
/// first pass of the whole composer pays for the tier-up of every method it uses, the last one runs on finished code.</summary>
internal static class ComposeProfile
{
    public static async Task<int> RunAsync(int count, int warmup, ICampaignMessageComposer composer, TemplateDefinition template, TrackingUrls urls, DkimSignerSet signers)
    {
        for (var i = 0; i < warmup; i++)
        {
            await CampaignBench.ComposeAsync(composer, template, i);
        }

        Console.WriteLine($"one thread, {count} messages per stage after {warmup} warm-up messages");
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
        Measure("  link rewrite + text (one pass)", count, _ => HtmlScanner.TryRewrite(html, (k, t) => urls.Click(claims, k, t), urls.Open(claims), urls.BaseUrl, withText: true));
        var marked = Enumerable.Range(0, 64)
            .Select(i => compiled.Render(contacts[i], "contact@example.net", unsubscribe, "Europe/Paris", generateText: false, markValues: true).Marked!).ToArray();
        Measure("  link rewrite + text (planned per shape)", count, i =>
            HtmlScanner.TryRewrite(marked[i % 64], compiled.HtmlPlans, (k, t) => urls.Click(claims, k, t), urls.Open(claims), urls.BaseUrl, withText: true));
        var tracked = HtmlScanner.TryRewrite(html, (k, t) => urls.Click(claims, k, t), urls.Open(claims), urls.BaseUrl, withText: true)!;
        Measure("  text part URLs", count, _ =>
            LinkRewriter.RewriteText(tracked.Text!, (k, t) => urls.Click(claims, k, t), urls.BaseUrl, new Dictionary<string, int>(tracked.Links), tracked.OptedOut));
        Measure("  MIME writer (text + html parts)", count, _ =>
        {
            var writer = CampaignMimeWriter.Rent();
            writer.Header("Subject", "Jane, your gold offers");
            writer.Bodies(tracked.Text!, tracked.Html);
        });
        Measure("  one click token", count, i => urls.Click(claims, i & 7, "https://shop.example.com/p/kettle?c=C100001"));
        var sample = CampaignBench.ComposeAsync(composer, template, 1).AsTask().GetAwaiter().GetResult().Content.ToArray();
        if (signers.Find("example.com") is { } signer)
        {
            Measure($"  DKIM signature ({signer.Algorithm})", count, _ => signer.Sign(sample, DateTimeOffset.UtcNow));
        }

        var text = HtmlText.FromHtml(html);
        Measure("  MessageBuilder + ToBytes (not used)", count, _ =>
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
        Measure("compose (whole composer, again)", count, i => CampaignBench.ComposeAsync(composer, template, i).AsTask().GetAwaiter().GetResult());
        return 0;
    }

    private static void Measure(string what, int count, Action<int> action)
    {
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            action(i);
        }

        var wall = clock.Elapsed.TotalSeconds;
        self.Refresh();
        var used = (self.TotalProcessorTime - cpu).TotalSeconds;
        var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine($"{what,-40} CPU {used * 1e6 / count,8:F1} µs/msg   wall {wall * 1e6 / count,8:F1} µs/msg   alloc {bytes / count / 1024.0,7:F1} KB/msg   " +
            $"GCs {GC.CollectionCount(0) - gen0} (gen2 {GC.CollectionCount(2) - gen2})");
    }
}
