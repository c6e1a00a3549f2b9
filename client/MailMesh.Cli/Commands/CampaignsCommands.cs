using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh campaigns create|update|get|list|schedule|pause|resume|cancel|watch</c> over <c>mailmesh.v1.Campaigns</c>.</summary>
internal static partial class CampaignsCommands
{
    public static Command Create(CliApp app)
    {
        var campaigns = new Command("campaigns", "Campaigns: a template sent to a segment in send windows at a throttled pace, with live progress");
        var json = new Option<bool>("--json") { Description = "Print JSON (one object; one per line for lists and watch)", Recursive = true };
        campaigns.Add(json);
        campaigns.Add(CreateCommand(app, json));
        campaigns.Add(UpdateCommand(app, json));
        campaigns.Add(GetCommand(app, json));
        campaigns.Add(ListCommand(app, json));
        campaigns.Add(ScheduleCommand(app, json));
        campaigns.Add(StateCommand(app, json, "pause", "Pause sending (messages in flight finish)", withReason: true,
            (client, id, reason, options, ct) => client.Campaigns.PauseAsync(new PauseCampaignRequest { Id = id, Reason = reason }, options, ct)));
        campaigns.Add(StateCommand(app, json, "resume", "Resume a paused campaign", withReason: false,
            (client, id, _, options, ct) => client.Campaigns.ResumeAsync(new ResumeCampaignRequest { Id = id }, options, ct)));
        campaigns.Add(StateCommand(app, json, "cancel", "Cancel a campaign; unsent recipients become cancelled", withReason: true,
            (client, id, reason, options, ct) => client.Campaigns.CancelAsync(new CancelCampaignRequest { Id = id, Reason = reason }, options, ct)));
        campaigns.Add(WatchCommand(app, json));
        return campaigns;
    }

    private static Command CreateCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string?>("id") { Description = "Campaign id (lower-case letters, digits, '-', '_'); generated when absent", Arity = ArgumentArity.ZeroOrOne };
        var definition = new DefinitionOptions();
        var command = new Command("create", "Create a draft campaign (then: mailmesh campaigns schedule ID)") { id };
        definition.AddTo(command);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new CreateCampaignRequest { Id = parse.GetValue(id) ?? "", Definition = definition.Apply(parse, new CampaignDefinition()) };
            await WriteAsync(app, await client.Campaigns.CreateAsync(request, options, ct), parse.GetValue(json), "created");
        }));
        return command;
    }

    private static Command UpdateCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "Campaign id (a draft)" };
        var definition = new DefinitionOptions();
        var command = new Command("update", "Change a draft: the given options replace those fields, the others stay") { id };
        definition.AddTo(command);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var current = await client.Campaigns.GetAsync(new GetCampaignRequest { Id = parse.GetValue(id)! }, options, ct);
            var request = new UpdateCampaignRequest { Id = current.Id, Definition = definition.Apply(parse, current.Definition) };
            await WriteAsync(app, await client.Campaigns.UpdateAsync(request, options, ct), parse.GetValue(json), "updated");
        }));
        return command;
    }

    private static Command GetCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "Campaign id" };
        var command = new Command("get", "Show a campaign: definition, status and progress") { id };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var campaign = await client.Campaigns.GetAsync(new GetCampaignRequest { Id = parse.GetValue(id)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(campaign));
                return;
            }

            var d = campaign.Definition;
            await app.Output.WriteLineAsync($"{campaign.Id}\t{d.Name}\t{Status(campaign)}");
            await app.Output.WriteLineAsync($"template {d.Template}, segment {d.Segment}" + (d.List.Length > 0 ? $", list {d.List}" : ""));
            await app.Output.WriteLineAsync($"from {(d.Sender.FromName.Length > 0 ? $"{d.Sender.FromName} <{d.Sender.FromAddress}>" : d.Sender.FromAddress)}"
                + (d.Sender.ReplyTo.Length > 0 ? $", reply-to {d.Sender.ReplyTo}" : ""));
            await app.Output.WriteLineAsync($"windows ({d.TimeZone}): {Windows(d)}; spread {d.SpreadMinutes} min");
            await app.Output.WriteLineAsync($"throttle: {Limit(d.Throttle.PerMinute)}/min, {Limit(d.Throttle.PerDomainPerMinute)}/min per domain"
                + (d.Throttle.SlowStart ? ", slow start" : "") + $"; deferred retried for {d.MaxDeferral.ToTimeSpan()}; tracking {(d.Track ? "on" : "off")}");
            if (campaign.ScheduledFor is { } at)
            {
                await app.Output.WriteLineAsync($"scheduled for {Format.Time(at)}");
            }

            await app.Output.WriteLineAsync(Progress(campaign.Progress));
        }));
        return command;
    }

    private static Command ListCommand(CliApp app, Option<bool> json)
    {
        var command = new Command("list", "List the campaigns, newest first");
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var reply = await client.Campaigns.ListAsync(new ListCampaignsRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, reply.Campaigns);
                return;
            }

            foreach (var c in reply.Campaigns)
            {
                await app.Output.WriteLineAsync($"{c.Id}\t{StatusName(c.Status)}\t{Format.Time(c.CreatedAt)}\t{c.Name}");
            }
        }));
        return command;
    }

    private static Command ScheduleCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "Campaign id (a draft)" };
        var at = new Option<string?>("--at") { Description = "When to start, e.g. 2026-11-24T09:00:00+01:00 (default: now)" };
        var command = new Command("schedule", "Schedule a draft to start now or at a time (the template is checked and frozen then)") { id, at };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new ScheduleCampaignRequest { Id = parse.GetValue(id)!, StartAt = ParseStart(parse.GetValue(at)) };
            await WriteAsync(app, await client.Campaigns.ScheduleAsync(request, options, ct), parse.GetValue(json), "scheduled");
        }));
        return command;
    }

    private static Command StateCommand(
        CliApp app, Option<bool> json, string name, string description, bool withReason,
        Func<MailMeshClient, string, string, CallOptions, CancellationToken, Task<Campaign>> call)
    {
        var id = new Argument<string>("id") { Description = "Campaign id" };
        var reason = new Option<string?>("--reason") { Description = "Why (shown as the campaign's status reason)" };
        var command = new Command(name, description) { id };
        if (withReason)
        {
            command.Add(reason);
        }

        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
            await WriteAsync(app, await call(client, parse.GetValue(id)!, withReason ? parse.GetValue(reason) ?? "" : "", options, ct), parse.GetValue(json), null)));
        return command;
    }

    private static async Task WriteAsync(CliApp app, Campaign campaign, bool json, string? verb)
    {
        if (json)
        {
            await app.Output.WriteLineAsync(Format.ToJson(campaign));
            return;
        }

        await app.Output.WriteLineAsync((verb is null ? "" : verb + " ") + $"{campaign.Id}\t{Status(campaign)}\t{campaign.Definition.Name}");
    }

    internal static string StatusName(CampaignStatus status) => status switch
    {
        CampaignStatus.Draft => "draft",
        CampaignStatus.Scheduled => "scheduled",
        CampaignStatus.Sending => "sending",
        CampaignStatus.Paused => "paused",
        CampaignStatus.Completed => "completed",
        CampaignStatus.Cancelled => "cancelled",
        _ => ((int)status).ToString(CultureInfo.InvariantCulture),
    };

    private static string Status(Campaign c) =>
        StatusName(c.Status) + (c.Status == CampaignStatus.Scheduled && c.ScheduledFor is { } at ? $" for {Format.Time(at)}" : "")
        + (c.StatusReason.Length > 0 ? $" ({c.StatusReason})" : "");

    internal static string Progress(CampaignProgress p) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{p.Done:N0}/{p.Planned:N0} done: {p.Sent:N0} sent, {p.Deferred:N0} deferred, {p.Failed:N0} failed, {p.Suppressed:N0} suppressed, {p.Cancelled:N0} cancelled; {p.Queued:N0} queued, {p.Sending:N0} sending");

    private static string Windows(CampaignDefinition d) => d.Windows.Count == 0
        ? "any time"
        : string.Join(", ", d.Windows.Select(w => (w.Days.Count is 0 or 7 ? "every day" : string.Join(',', w.Days)) + $" {w.Start}-{w.End}"));

    private static string Limit(int perMinute) => perMinute == 0 ? "no limit" : perMinute.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Spectre markup-safe text.</summary>
    private static string Safe(string text) => text.EscapeMarkup();
}
