using System.Globalization;
using System.Net;
using System.Text;
using MailMesh.Grains.Engagement;

namespace MailMesh.Api.Services;

internal static partial class ReportsPage
{
    private const int ChartWidth = 900;
    private const int HourlyHeight = 260;
    private const int Left = 56;
    private const int Right = 16;
    private const int Top = 16;
    private const int Bottom = 36;

    private const string Style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:960px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#5b6475}
        table{border-collapse:collapse;margin:4px 0}td,th{padding:3px 12px 3px 0;text-align:right}th:first-child,td:first-child{text-align:left}
        th{color:#5b6475;font-weight:600;border-bottom:1px solid #d5d9e2}.url{text-align:left;word-break:break-all;max-width:520px}
        svg text{font:11px system-ui,sans-serif;fill:#5b6475}.axis{stroke:#c4c9d4}
        .bar-sent{fill:#c9d7f2}.bar-funnel{fill:#3f6fd1}.bar-link{fill:#c9d7f2}.bar-link-human{fill:#3f6fd1}
        .line-opens{fill:none;stroke:#1e9e6a;stroke-width:2}.pt-opens{fill:#1e9e6a}
        .line-clicks{fill:none;stroke:#d1603f;stroke-width:2}.pt-clicks{fill:#d1603f}
        .legend span{display:inline-block;margin-right:16px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
        .empty{color:#5b6475;font-style:italic}
        """;

    /// <summary>The whole page of <paramref name="report"/>.</summary>
    internal static string Render(CampaignReport report)
    {
        var html = new StringBuilder(16 * 1024);
        var title = report.CampaignId is null
            ? $"Segment {report.Segment} · all campaigns"
            : report.Segment is null ? $"Campaign {report.CampaignName} ({report.CampaignId})" : $"Segment {report.Segment} · campaign {report.CampaignName} ({report.CampaignId})";
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append(" · MailMesh report</title><style>")
            .Append(Style).Append("</style></head><body>");
        html.Append("<h1>").Append(E(title)).Append("</h1><p class=\"meta\">Tenant ").Append(E(report.Tenant));
        if (report.CampaignStatus is not null)
        {
            html.Append(" · status ").Append(E(report.CampaignStatus));
        }

        if (report.SegmentMembers is { } members)
        {
            html.Append(" · ").Append(N(members)).Append(" segment members now");
        }

        html.Append(" · generated ").Append(report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC</p>");

        Funnel(html, report);
        Tables(html, report);
        Hourly(html, report);
        Links(html, report);
        html.Append("<p class=\"meta\">Definitions of every number: docs/engagement.md, Reports.</p></body></html>");
        return html.ToString();
    }

    private static void Tables(StringBuilder html, CampaignReport r)
    {
        var d = r.Delivery;
        html.Append("<h2>Delivery</h2><table id=\"delivery\"><tr><th>Recipients</th><th>Sent</th><th>Delivered</th><th>Deferred now</th><th>Deferred once</th>")
            .Append("<th>Failed</th><th>Bounced</th><th>Hard</th><th>Soft</th><th>Suppressed</th><th>Cancelled</th><th>Pending</th></tr><tr>");
        foreach (var n in new[] { d.Recipients, d.Sent, d.Delivered, d.Deferred, d.DeferredOnce, d.Failed, d.Bounced, d.HardBounced, d.SoftBounced, d.Suppressed, d.Cancelled, d.Queued + d.Sending })
        {
            html.Append("<td>").Append(N(n)).Append("</td>");
        }

        html.Append("</tr></table><h2>Engagement</h2><table id=\"engagement\"><tr><th></th><th>Raw</th><th>Human</th><th>Unique</th><th>Unique human</th></tr>");
        foreach (var (name, h) in new[] { ("Opens", r.Opens), ("Clicks", r.Clicks) })
        {
            html.Append("<tr><td>").Append(name).Append("</td><td>").Append(N(h.Raw)).Append("</td><td>").Append(N(h.Human)).Append("</td><td>")
                .Append(N(h.Unique)).Append("</td><td>").Append(N(h.UniqueHuman)).Append("</td></tr>");
        }

        html.Append("</table><table id=\"rates\"><tr><th>Delivery rate</th><th>Open rate</th><th>Click rate</th><th>Click-to-open</th><th>Bounce rate</th>")
            .Append("<th>Unsubscribes</th><th>Complaints</th></tr><tr>");
        foreach (var rate in new[] { r.DeliveryRate, r.OpenRate, r.ClickRate, r.ClickToOpenRate, r.BounceRate })
        {
            html.Append("<td>").Append(P(rate)).Append("</td>");
        }

        html.Append("<td>").Append(N(r.Unsubscribes)).Append(" (").Append(P(r.UnsubscribeRate)).Append(")</td><td>").Append(N(r.Complaints)).Append(" (")
            .Append(P(r.ComplaintRate)).Append(")</td></tr></table>");
    }

    private static void Funnel(StringBuilder html, CampaignReport r)
    {
        var steps = new (string Name, long Value)[]
        {
            ("Sent", r.Delivery.Sent), ("Delivered", r.Delivery.Delivered), ("Opened (unique human)", r.Opens.UniqueHuman), ("Clicked (unique human)", r.Clicks.UniqueHuman),
        };
        const int row = 26;
        const int labelWidth = 170;
        var max = Math.Max(1, steps.Max(s => s.Value));
        html.Append("<svg id=\"chart-funnel\" role=\"img\" aria-label=\"Funnel\" width=\"").Append(ChartWidth).Append("\" height=\"").Append(steps.Length * row + 8)
            .Append("\" viewBox=\"0 0 ").Append(ChartWidth).Append(' ').Append(steps.Length * row + 8).Append("\">");
        for (var i = 0; i < steps.Length; i++)
        {
            var width = (ChartWidth - labelWidth - 90) * (double)steps[i].Value / max;
            var y = i * row + 4;
            html.Append("<text x=\"0\" y=\"").Append(y + 15).Append("\">").Append(steps[i].Name).Append("</text>")
                .Append("<rect class=\"bar-funnel\" x=\"").Append(labelWidth).Append("\" y=\"").Append(y).Append("\" width=\"").Append(F(width)).Append("\" height=\"20\"><title>")
                .Append(steps[i].Name).Append(": ").Append(N(steps[i].Value)).Append("</title></rect>")
                .Append("<text x=\"").Append(F(labelWidth + width + 6)).Append("\" y=\"").Append(y + 15).Append("\">").Append(N(steps[i].Value)).Append("</text>");
        }

        html.Append("</svg>");
    }

    private static void Hourly(StringBuilder html, CampaignReport r)
    {
        html.Append("<h2>Hourly (UTC)</h2>");
        if (r.Hourly.Count == 0)
        {
            html.Append("<p class=\"empty\" id=\"hourly-empty\">No activity yet.</p>");
            return;
        }

        html.Append("<p class=\"legend\"><span><i class=\"swatch bar-sent\" style=\"background:#c9d7f2\"></i>sent</span>")
            .Append("<span><i class=\"swatch\" style=\"background:#1e9e6a\"></i>human opens</span><span><i class=\"swatch\" style=\"background:#d1603f\"></i>human clicks</span></p>");
        var hours = r.Hourly;
        var max = Math.Max(1, hours.Max(h => Math.Max(h.Sent, Math.Max(h.HumanOpens, h.HumanClicks))));
        var plotWidth = ChartWidth - Left - Right;
        var plotHeight = HourlyHeight - Top - Bottom;
        var step = (double)plotWidth / hours.Count;
        double X(int i) => Left + step * (i + 0.5);
        double Y(long v) => Top + plotHeight - plotHeight * (double)v / max;

        html.Append("<svg id=\"chart-hourly\" role=\"img\" aria-label=\"Hourly series\" width=\"").Append(ChartWidth).Append("\" height=\"").Append(HourlyHeight)
            .Append("\" viewBox=\"0 0 ").Append(ChartWidth).Append(' ').Append(HourlyHeight).Append("\">")
            .Append("<line class=\"axis\" x1=\"").Append(Left).Append("\" y1=\"").Append(Top + plotHeight).Append("\" x2=\"").Append(ChartWidth - Right).Append("\" y2=\"").Append(Top + plotHeight).Append("\"/>")
            .Append("<line class=\"axis\" x1=\"").Append(Left).Append("\" y1=\"").Append(Top).Append("\" x2=\"").Append(Left).Append("\" y2=\"").Append(Top + plotHeight).Append("\"/>")
            .Append("<text x=\"").Append(Left - 6).Append("\" y=\"").Append(Top + 4).Append("\" text-anchor=\"end\">").Append(N(max)).Append("</text>")
            .Append("<text x=\"").Append(Left - 6).Append("\" y=\"").Append(Top + plotHeight).Append("\" text-anchor=\"end\">0</text>");
        for (var i = 0; i < hours.Count; i++)
        {
            var h = hours[i];
            var y = Y(h.Sent);
            html.Append("<rect class=\"bar-sent\" x=\"").Append(F(Left + step * i + step * 0.1)).Append("\" y=\"").Append(F(y)).Append("\" width=\"").Append(F(step * 0.8))
                .Append("\" height=\"").Append(F(Top + plotHeight - y)).Append("\"><title>").Append(Hour(h.Hour)).Append(": ").Append(N(h.Sent)).Append(" sent, ")
                .Append(N(h.Opens)).Append(" opens (").Append(N(h.HumanOpens)).Append(" human), ").Append(N(h.Clicks)).Append(" clicks (").Append(N(h.HumanClicks))
                .Append(" human), ").Append(N(h.Bounces)).Append(" bounces, ").Append(N(h.Unsubscribes)).Append(" unsubscribes, ").Append(N(h.Complaints))
                .Append(" complaints</title></rect>");
        }

        foreach (var (css, value) in new (string, Func<ReportHour, long>)[] { ("opens", h => h.HumanOpens), ("clicks", h => h.HumanClicks) })
        {
            html.Append("<polyline class=\"line-").Append(css).Append("\" points=\"");
            for (var i = 0; i < hours.Count; i++)
            {
                html.Append(i == 0 ? "" : " ").Append(F(X(i))).Append(',').Append(F(Y(value(hours[i]))));
            }

            html.Append("\"/>");
            for (var i = 0; i < hours.Count; i++)
            {
                html.Append("<circle class=\"pt-").Append(css).Append("\" cx=\"").Append(F(X(i))).Append("\" cy=\"").Append(F(Y(value(hours[i])))).Append("\" r=\"2.5\"><title>")
                    .Append(Hour(hours[i].Hour)).Append(": ").Append(N(value(hours[i]))).Append(" human ").Append(css).Append("</title></circle>");
            }
        }

        foreach (var i in new[] { 0, hours.Count / 2, hours.Count - 1 }.Distinct())
        {
            html.Append("<text x=\"").Append(F(X(i))).Append("\" y=\"").Append(HourlyHeight - 12).Append("\" text-anchor=\"middle\">").Append(Hour(hours[i].Hour)).Append("</text>");
        }

        html.Append("</svg>");
        if (r.HourlyTruncated)
        {
            html.Append("<p class=\"meta\">Activity went on after the last hour shown (the series holds ").Append(CampaignReport.MaxHours / 24).Append(" days).</p>");
        }
    }

    private static void Links(StringBuilder html, CampaignReport r)
    {
        html.Append("<h2>Clicks per link</h2>");
        if (r.CampaignId is null)
        {
            html.Append("<p class=\"empty\">Per-link clicks are shown for one campaign.</p>");
            return;
        }

        if (r.Links.Count == 0)
        {
            html.Append("<p class=\"empty\" id=\"links-empty\">No clicks yet.</p>");
            return;
        }

        const int row = 24;
        const int labelWidth = 60;
        var max = Math.Max(1, r.Links.Max(l => l.Clicks.Raw));
        var height = r.Links.Count * row + 8;
        html.Append("<svg id=\"chart-links\" role=\"img\" aria-label=\"Clicks per link\" width=\"").Append(ChartWidth).Append("\" height=\"").Append(height)
            .Append("\" viewBox=\"0 0 ").Append(ChartWidth).Append(' ').Append(height).Append("\">");
        for (var i = 0; i < r.Links.Count; i++)
        {
            var link = r.Links[i];
            var y = i * row + 4;
            var raw = (ChartWidth - labelWidth - 90) * (double)link.Clicks.Raw / max;
            var human = (ChartWidth - labelWidth - 90) * (double)link.Clicks.Human / max;
            html.Append("<text x=\"0\" y=\"").Append(y + 14).Append("\">#").Append(link.Index).Append("</text>")
                .Append("<rect class=\"bar-link\" x=\"").Append(labelWidth).Append("\" y=\"").Append(y).Append("\" width=\"").Append(F(raw)).Append("\" height=\"18\"><title>")
                .Append(E(link.Url ?? "")).Append(": ").Append(N(link.Clicks.Raw)).Append(" clicks</title></rect>")
                .Append("<rect class=\"bar-link-human\" x=\"").Append(labelWidth).Append("\" y=\"").Append(y + 5).Append("\" width=\"").Append(F(human)).Append("\" height=\"8\"><title>")
                .Append(E(link.Url ?? "")).Append(": ").Append(N(link.Clicks.Human)).Append(" human clicks</title></rect>")
                .Append("<text x=\"").Append(F(labelWidth + raw + 6)).Append("\" y=\"").Append(y + 14).Append("\">").Append(N(link.Clicks.Raw)).Append("</text>");
        }

        html.Append("</svg><table id=\"links\"><tr><th>#</th><th class=\"url\">URL</th><th>Raw</th><th>Human</th><th>Unique</th><th>Unique human</th></tr>");
        foreach (var link in r.Links)
        {
            html.Append("<tr><td>").Append(link.Index).Append("</td><td class=\"url\">").Append(E(link.Url ?? "")).Append("</td><td>").Append(N(link.Clicks.Raw))
                .Append("</td><td>").Append(N(link.Clicks.Human)).Append("</td><td>").Append(N(link.Clicks.Unique)).Append("</td><td>").Append(N(link.Clicks.UniqueHuman))
                .Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string P(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";

    private static string Hour(DateTimeOffset hour) => hour.UtcDateTime.ToString("MM-dd HH:00", CultureInfo.InvariantCulture);
}
