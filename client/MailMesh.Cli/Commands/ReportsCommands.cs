using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh reports campaign|segment</c>: a report as tables (docs/engagement.md, Reports), or one JSON object.</summary>
internal static class ReportsCommands
{
    public static Command Create(CliApp app)
    {
        var reports = new Command("reports", "Campaign and segment reports: delivery, bounces, opens, clicks, rates, links, hourly series");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables", Recursive = true };
        var hourly = new Option<bool>("--hourly") { Description = "Also print the hourly series", Recursive = true };
        reports.Add(json);
        reports.Add(hourly);
        reports.Add(CampaignCommand(app, json, hourly));
        reports.Add(SegmentCommand(app, json, hourly));
        return reports;
    }

    private static Command CampaignCommand(CliApp app, Option<bool> json, Option<bool> hourly)
    {
        var id = new Argument<string>("id") { Description = "Campaign id" };
        var command = new Command("campaign", "Report of one campaign") { id };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var report = await client.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = parse.GetValue(id)! }, options, ct);
            await WriteAsync(app, report, parse.GetValue(json), parse.GetValue(hourly));
        }));
        return command;
    }

    private static Command SegmentCommand(CliApp app, Option<bool> json, Option<bool> hourly)
    {
        var name = new Argument<string>("name") { Description = "Segment name" };
        var campaign = new Option<string?>("--campaign") { Description = "Only this campaign (default: all campaigns)" };
        var command = new Command("segment", "Report of a segment's members now, across one or all campaigns") { name, campaign };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new GetSegmentReportRequest { Segment = parse.GetValue(name)!, CampaignId = parse.GetValue(campaign) ?? "" };
            await WriteAsync(app, await client.Reports().GetSegmentReportAsync(request, options, ct), parse.GetValue(json), parse.GetValue(hourly));
        }));
        return command;
    }

    private static async Task WriteAsync(CliApp app, Report r, bool json, bool hourly)
    {
        if (json)
        {
            await app.Output.WriteLineAsync(Format.ToJson(r));
            return;
        }

        var scope = r.CampaignId.Length == 0 ? "all campaigns" : $"campaign {r.CampaignId} ({r.CampaignName}, {r.CampaignStatus})";
        var segment = r.Segment.Length == 0 ? "" : $"segment {r.Segment} ({N(r.SegmentMembers)} members now), ";
        await app.Output.WriteLineAsync($"{segment}{scope}; generated {Format.Time(r.GeneratedAt)}");

        var d = r.Delivery;
        var delivery = new Table().Title("delivery").AddColumns("recipients", "sent", "delivered", "deferred", "deferred once", "failed", "bounced", "hard", "soft", "suppressed", "cancelled", "pending");
        delivery.AddRow(N(d.Recipients), N(d.Sent), N(d.Delivered), N(d.Deferred), N(d.DeferredOnce), N(d.Failed), N(d.Bounced), N(d.HardBounced), N(d.SoftBounced),
            N(d.Suppressed), N(d.Cancelled), N(d.Queued + d.Sending));
        app.Console.Write(delivery);

        var engagement = new Table().Title("engagement").AddColumns("", "raw", "human", "unique", "unique human");
        engagement.AddRow("opens", N(r.Opens.Raw), N(r.Opens.Human), N(r.Opens.Unique), N(r.Opens.UniqueHuman));
        engagement.AddRow("clicks", N(r.Clicks.Raw), N(r.Clicks.Human), N(r.Clicks.Unique), N(r.Clicks.UniqueHuman));
        app.Console.Write(engagement);

        var rates = new Table().Title("rates").AddColumns("delivery", "open", "click", "click-to-open", "bounce", "unsubscribes", "complaints");
        rates.AddRow(P(r.Rates.HasDelivery, r.Rates.Delivery), P(r.Rates.HasOpen, r.Rates.Open), P(r.Rates.HasClick, r.Rates.Click),
            P(r.Rates.HasClickToOpen, r.Rates.ClickToOpen), P(r.Rates.HasBounce, r.Rates.Bounce),
            $"{N(r.Unsubscribes)} ({P(r.Rates.HasUnsubscribe, r.Rates.Unsubscribe)})", $"{N(r.Complaints)} ({P(r.Rates.HasComplaint, r.Rates.Complaint)})");
        app.Console.Write(rates);

        if (r.Links.Count > 0)
        {
            var links = new Table().Title("clicks per link").AddColumns("#", "url", "raw", "human", "unique", "unique human");
            foreach (var l in r.Links)
            {
                links.AddRow(l.Index.ToString(CultureInfo.InvariantCulture), l.Url.EscapeMarkup(), N(l.Clicks.Raw), N(l.Clicks.Human), N(l.Clicks.Unique), N(l.Clicks.UniqueHuman));
            }

            app.Console.Write(links);
        }

        if (hourly && r.Hourly.Count > 0)
        {
            var hours = new Table().Title("hourly (UTC)").AddColumns("hour", "sent", "opens", "human opens", "clicks", "human clicks", "bounces", "unsubscribes", "complaints");
            foreach (var h in r.Hourly)
            {
                hours.AddRow(Format.Time(h.Hour), N(h.Sent), N(h.Opens), N(h.HumanOpens), N(h.Clicks), N(h.HumanClicks), N(h.Bounces), N(h.Unsubscribes), N(h.Complaints));
            }

            app.Console.Write(hours);
            if (r.HourlyTruncated)
            {
                await app.Output.WriteLineAsync("(activity went on after the last hour shown)");
            }
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(bool has, double rate) => has ? (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-";
}
