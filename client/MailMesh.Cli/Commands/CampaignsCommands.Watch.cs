using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh campaigns watch</c>: a live table on a terminal, one line per change otherwise (or JSON lines),
/// until the campaign is completed or cancelled. A dropped connection is resumed with backoff.</summary>
internal static partial class CampaignsCommands
{
    private static Command WatchCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "Campaign id" };
        var interval = new Option<double>("--interval") { Description = "Seconds between the server's checks (0.1-60)", DefaultValueFactory = _ => 1 };
        var command = new Command("watch", "Show a campaign's progress live until it is completed or cancelled (Ctrl+C to stop watching)") { id, interval };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var seconds = parse.GetValue(interval);
            if (seconds is < 0.1 or > 60)
            {
                throw new CliException($"--interval must be 0.1 to 60 seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}");
            }

            var request = new WatchCampaignProgressRequest { Id = parse.GetValue(id)!, Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) };

            // A watch lasts as long as the campaign: no per-call deadline.
            var streaming = new CallOptions { Headers = options.Headers };
            if (parse.GetValue(json))
            {
                await foreach (var campaign in FollowAsync(client, request, streaming, ct))
                {
                    await app.Output.WriteLineAsync(Format.ToJson(campaign));
                    await app.Output.FlushAsync(ct);
                }

                return;
            }

            if (!app.Console.Profile.Capabilities.Interactive)
            {
                await foreach (var campaign in FollowAsync(client, request, streaming, ct))
                {
                    await app.Output.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {Status(campaign)}\t{Progress(campaign.Progress)}");
                    await app.Output.FlushAsync(ct);
                }

                return;
            }

            await WatchLiveAsync(app, client, request, streaming, ct);
        }));
        return command;
    }

    private static async Task WatchLiveAsync(CliApp app, MailMeshClient client, WatchCampaignProgressRequest request, CallOptions options, CancellationToken ct)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("status", "planned", "sent", "deferred", "failed", "suppressed", "cancelled", "queued", "sending", "done");
        Campaign? last = null;
        await app.Console.Live(table).AutoClear(false).StartAsync(async context =>
        {
            await foreach (var campaign in FollowAsync(client, request, options, ct))
            {
                last = campaign;
                var p = campaign.Progress;
                table.Title = new TableTitle($"{Safe(campaign.Id)}: {Safe(campaign.Definition.Name)}");
                table.Rows.Clear();
                table.AddRow(
                    Safe(Status(campaign)), N(p.Planned), $"[green]{N(p.Sent)}[/]", $"[yellow]{N(p.Deferred)}[/]", $"[red]{N(p.Failed)}[/]",
                    N(p.Suppressed), N(p.Cancelled), N(p.Queued), N(p.Sending), $"[bold]{Percent(p)}[/]");
                table.Caption(Bar(p, 40));
                context.Refresh();
            }
        });
        if (last is not null)
        {
            app.Console.MarkupLine($"{Safe(last.Id)} {Safe(Status(last))}: {Safe(Progress(last.Progress))}");
        }
    }

    /// <summary>The watch stream, resumed with backoff when the connection fails (UNAVAILABLE); ends when the server ends it.</summary>
    private static async IAsyncEnumerable<Campaign> FollowAsync(
        MailMeshClient client, WatchCampaignProgressRequest request, CallOptions options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        const int MaxAttempts = 5;
        var failures = 0;
        while (true)
        {
            var stream = client.Campaigns.WatchProgressAsync(request, options, ct).GetAsyncEnumerator(ct);
            try
            {
                while (true)
                {
                    Campaign item;
                    try
                    {
                        if (!await stream.MoveNextAsync())
                        {
                            yield break;
                        }

                        item = stream.Current;
                    }
                    catch (MailMeshRpcException e) when (e.StatusCode == StatusCode.Unavailable && ++failures < MaxAttempts)
                    {
                        break;
                    }

                    failures = 0;
                    yield return item;
                }
            }
            finally
            {
                await stream.DisposeAsync();
            }

            // 200 ms doubling to 3.2 s between attempts.
            await Task.Delay(TimeSpan.FromMilliseconds(200 << (failures - 1)), ct);
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(CampaignProgress p) =>
        p.Planned == 0 ? "-" : (100.0 * p.Done / p.Planned).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Bar(CampaignProgress p, int width)
    {
        var filled = p.Planned == 0 ? 0 : (int)Math.Clamp(width * p.Done / p.Planned, 0, width);
        return $"[green]{new string('█', filled)}[/][grey]{new string('░', width - filled)}[/]";
    }
}
