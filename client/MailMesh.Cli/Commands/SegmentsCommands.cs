using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh segments create|get|list|delete|preview|snapshot|members</c> (docs/segments.md).</summary>
internal static class SegmentsCommands
{
    public static Command Create(CliApp app)
    {
        var segments = new Command("segments", "Segments of the contacts: saved expressions, previews, snapshots and members");
        var json = new Option<bool>("--json") { Description = "Print JSON (one object; one per line for lists)", Recursive = true };
        segments.Add(json);
        segments.Add(CreateCommand(app, json));
        segments.Add(GetCommand(app, json));
        segments.Add(ListCommand(app, json));
        segments.Add(DeleteCommand(app));
        segments.Add(PreviewCommand(app, json));
        segments.Add(SnapshotCommand(app, json));
        segments.Add(MembersCommand(app, json));
        return segments;
    }

    private static Command CreateCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Segment name (lower-case letters, digits, '-', '_')" };
        var expression = new Argument<string>("expression") { Description = "The expression, e.g. 'tier = \"gold\" and opened within 90d'" };
        var snapshot = new Option<bool>("--snapshot") { Description = "Freeze the members now instead of evaluating when used" };
        var description = new Option<string?>("--description") { Description = "What the segment is for" };
        var replace = new Option<bool>("--replace") { Description = "Replace a segment of the same name" };
        var command = new Command("create", "Save a segment") { name, expression, snapshot, description, replace };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new CreateSegmentRequest
            {
                Name = parse.GetValue(name)!, Expression = parse.GetValue(expression)!, Description = parse.GetValue(description) ?? "",
                Mode = parse.GetValue(snapshot) ? SegmentMode.Snapshot : SegmentMode.Dynamic, Replace = parse.GetValue(replace),
            };
            await WriteAsync(app, await client.Segments().CreateAsync(request, options, ct), parse.GetValue(json));
        }));
        return command;
    }

    private static Command GetCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Segment name" };
        var command = new Command("get", "Show a segment") { name };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
            await WriteAsync(app, await client.Segments().GetAsync(new GetSegmentRequest { Name = parse.GetValue(name)! }, options, ct), parse.GetValue(json))));
        return command;
    }

    private static Command ListCommand(CliApp app, Option<bool> json)
    {
        var command = new Command("list", "List the saved segments");
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var reply = await client.Segments().ListAsync(new ListSegmentsRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, reply.Segments);
                return;
            }

            foreach (var segment in reply.Segments)
            {
                await app.Output.WriteLineAsync(Line(segment));
            }
        }));
        return command;
    }

    private static Command DeleteCommand(CliApp app)
    {
        var name = new Argument<string>("name") { Description = "Segment name" };
        var command = new Command("delete", "Delete a segment") { name };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var reply = await client.Segments().DeleteAsync(new DeleteSegmentRequest { Name = parse.GetValue(name)! }, options, ct);
            await app.Output.WriteLineAsync(reply.Deleted ? $"deleted {parse.GetValue(name)}" : $"no segment {parse.GetValue(name)}");
        }));
        return command;
    }

    private static Command PreviewCommand(CliApp app, Option<bool> json)
    {
        var expression = new Argument<string>("expression") { Description = "An expression, or the name of a saved segment with --saved" };
        var saved = new Option<bool>("--saved") { Description = "The argument names a saved segment" };
        var sample = new Option<int>("--sample") { Description = "Addresses to show (0-100)", DefaultValueFactory = _ => 10 };
        var command = new Command("preview", "Count the contacts of an expression or segment, with a sample") { expression, saved, sample };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new PreviewSegmentRequest { SampleSize = parse.GetValue(sample) };
            if (parse.GetValue(saved))
            {
                request.Name = parse.GetValue(expression)!;
            }
            else
            {
                request.Expression = parse.GetValue(expression)!;
            }

            var preview = await client.Segments().PreviewAsync(request, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(preview));
                return;
            }

            await app.Output.WriteLineAsync($"{preview.Count.ToString("N0", CultureInfo.InvariantCulture)} contacts (as of {preview.EvaluatedAt.ToDateTimeOffset():u})");
            foreach (var address in preview.Sample)
            {
                await app.Output.WriteLineAsync("  " + address);
            }
        }));
        return command;
    }

    private static Command SnapshotCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "A snapshot segment" };
        var command = new Command("snapshot", "Freeze a snapshot segment's members again, now") { name };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
            await WriteAsync(app, await client.Segments().SnapshotAsync(new SnapshotSegmentRequest { Name = parse.GetValue(name)! }, options, ct), parse.GetValue(json))));
        return command;
    }

    private static Command MembersCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Segment name" };
        var limit = new Option<int>("--limit") { Description = "Most addresses to print (0 = all)", DefaultValueFactory = _ => 100 };
        var command = new Command("members", "Print a segment's members in address order") { name, limit };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var left = parse.GetValue(limit) <= 0 ? int.MaxValue : parse.GetValue(limit);
            var token = "";
            do
            {
                var page = await client.Segments().ListMembersAsync(
                    new ListSegmentMembersRequest { Name = parse.GetValue(name)!, PageSize = Math.Min(left, 1000), PageToken = token }, options, ct);
                foreach (var address in page.Addresses)
                {
                    await app.Output.WriteLineAsync(parse.GetValue(json) ? System.Text.Json.JsonSerializer.Serialize(address) : address);
                }

                left -= page.Addresses.Count;
                token = page.NextPageToken;
            }
            while (token.Length > 0 && left > 0);
        }));
        return command;
    }

    private static async Task WriteAsync(CliApp app, Segment segment, bool json) =>
        await app.Output.WriteLineAsync(json ? Format.ToJson(segment) : Line(segment));

    private static string Line(Segment s)
    {
        var frozen = s.Mode == SegmentMode.Snapshot
            ? $"snapshot of {s.SnapshotAt?.ToDateTimeOffset():u}, {s.SnapshotCount.ToString("N0", CultureInfo.InvariantCulture)} members"
            : "dynamic";
        return $"{s.Name}\t{frozen}\t{s.Expression}" + (s.Description.Length > 0 ? $"\t({s.Description})" : "");
    }
}
