using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>messages list|get|raw|flags|move</c>: the messages of a synced mailbox.</summary>
internal static class MessagesCommands
{
    public static Command Create(CliApp app)
    {
        var messages = new Command("messages", "List, search, read, flag and move the messages of a mailbox");
        var json = new Option<bool>("--json") { Description = "Print JSON (one object per line for lists)", Recursive = true };
        messages.Add(json);
        messages.Add(AsUser.Create());
        messages.Add(List(app, json));
        messages.Add(Get(app, json));
        messages.Add(Raw(app));
        messages.Add(Flags(app, json));
        messages.Add(Move(app, json));
        return messages;
    }

    private static Command List(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var folder = new Option<string?>("--folder") { Description = "Only this folder" };
        var flag = new Option<string[]>("--flag") { Description = "Only messages with this flag (repeat; e.g. '\\Flagged')" };
        var noFlag = new Option<string[]>("--no-flag") { Description = "Only messages without this flag (repeat; '\\Seen' for unread)" };
        var from = new Option<string?>("--from") { Description = "From contains this text" };
        var subject = new Option<string?>("--subject") { Description = "Subject contains this text" };
        var since = new Option<string?>("--since") { Description = "Dated at or after (2026-11-22 or 2026-11-22T10:00:00Z)" };
        var before = new Option<string?>("--before") { Description = "Dated before" };
        var limit = new Option<int>("--limit") { Description = "Most messages to show (default 50; 0 for all)", DefaultValueFactory = _ => 50 };
        var tag = new Option<string?>("--tag") { Description = "Only messages rules tagged with this tag" };
        var priority = new Option<string?>("--priority") { Description = "Only messages rules gave this priority (high, normal, low)" };
        var list = new Command("list", "List or search messages, newest first") { name, folder, flag, noFlag, from, subject, since, before, limit, tag, priority };
        list.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new ListMessagesRequest
            {
                Name = parse.GetValue(name)!,
                Folder = parse.GetValue(folder) ?? "",
                From = parse.GetValue(from) ?? "",
                Subject = parse.GetValue(subject) ?? "",
                Since = Date(parse.GetValue(since), "--since"),
                Before = Date(parse.GetValue(before), "--before"),
                Tag = parse.GetValue(tag) ?? "",
                Priority = parse.GetValue(priority) ?? "",
            };
            request.WithFlags.AddRange(parse.GetValue(flag) ?? []);
            request.WithoutFlags.AddRange(parse.GetValue(noFlag) ?? []);
            var max = parse.GetValue(limit);
            if (max < 0)
            {
                throw new CliException($"--limit must be 0 (all) or more, not {max}");
            }

            var table = new Table().AddColumns("folder", "uid", "date", "from", "subject", "flags", "priority", "tags");
            var shown = 0;
            do
            {
                request.PageSize = max == 0 ? 500 : Math.Min(500, max - shown);
                var page = await client.Mailboxes.ListMessagesAsync(request, options, ct);
                foreach (var m in page.Messages)
                {
                    if (parse.GetValue(json))
                    {
                        await app.Output.WriteLineAsync(Format.ToJson(m));
                    }
                    else
                    {
                        table.AddRow(m.Folder.EscapeMarkup(), m.Uid.ToString(CultureInfo.InvariantCulture), Format.Time(m.Date), m.From.EscapeMarkup(),
                            m.Subject.EscapeMarkup(), string.Join(' ', m.Flags).EscapeMarkup(), m.Priority.EscapeMarkup(), string.Join(' ', m.Tags).EscapeMarkup());
                    }
                }

                shown += page.Messages.Count;
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && (max == 0 || shown < max));

            if (!parse.GetValue(json))
            {
                app.Console.Write(table);
            }
        }));
        return list;
    }

    private static Command Get(CliApp app, Option<bool> json)
    {
        var (name, folder, uid) = Address();
        var preview = new Option<int>("--preview") { Description = "Preview length in characters (default 500)" };
        var get = new Command("get", "Show one message: headers, MIME parts and a text preview") { name, folder, uid, preview };
        get.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var details = await client.Mailboxes.GetMessageAsync(new GetMessageRequest
            {
                Name = parse.GetValue(name)!, Folder = parse.GetValue(folder)!, Uid = parse.GetValue(uid), Parse = true, PreviewLength = parse.GetValue(preview),
            }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(details));
                return;
            }

            var headers = new Grid().AddColumn().AddColumn();
            foreach (var h in details.Headers)
            {
                headers.AddRow(h.Name.EscapeMarkup(), h.Value.EscapeMarkup());
            }

            if (details.Message.Priority.Length > 0 || details.Message.Tags.Count > 0)
            {
                headers.AddRow("[grey]rules[/]", $"priority {(details.Message.Priority.Length > 0 ? details.Message.Priority : "-")}, tags {string.Join(' ', details.Message.Tags)}".EscapeMarkup());
            }

            app.Console.Write(headers);
            var tree = new Tree(Describe(details.Root));
            AddParts(tree, details.Root);
            app.Console.Write(tree);
            app.Console.WriteLine();
            app.Console.WriteLine(details.TextPreview);
        }));
        return get;
    }

    private static Command Raw(CliApp app)
    {
        var (name, folder, uid) = Address();
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output" };
        var raw = new Command("raw", "Download the raw MIME of one message") { name, folder, uid, output };
        raw.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new FetchRawMessageRequest { Name = parse.GetValue(name)!, Folder = parse.GetValue(folder)!, Uid = parse.GetValue(uid) };
            if (parse.GetValue(output) is { } file)
            {
                await using var stream = file.Create();
                var bytes = await client.Mailboxes.DownloadRawMessageAsync(request, stream, options, ct);
                await app.Error.WriteLineAsync($"wrote {bytes} bytes to {file.FullName}");
                return;
            }

            using var buffer = new MemoryStream();
            await client.Mailboxes.DownloadRawMessageAsync(request, buffer, options, ct);
            // Raw MIME is 7/8-bit text; Latin-1 maps every byte to one character unchanged.
            await app.Output.WriteAsync(System.Text.Encoding.Latin1.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        }));
        return raw;
    }

    private static Command Flags(CliApp app, Option<bool> json)
    {
        var (name, folder, uid) = Address();
        var add = new Option<string[]>("--add") { Description = "Flag to add (repeat; e.g. '\\Seen')" };
        var remove = new Option<string[]>("--remove") { Description = "Flag to remove (repeat)" };
        var flags = new Command("flags", "Add or remove flags of one message (on the server and in the index)") { name, folder, uid, add, remove };
        flags.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new SetFlagsRequest { Name = parse.GetValue(name)!, Folder = parse.GetValue(folder)!, Uid = parse.GetValue(uid) };
            request.Add.AddRange(parse.GetValue(add) ?? []);
            request.Remove.AddRange(parse.GetValue(remove) ?? []);
            if (request.Add.Count + request.Remove.Count == 0)
            {
                throw new CliException("give --add and/or --remove");
            }

            var result = await client.Mailboxes.SetFlagsAsync(request, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(result) : $"flags: {string.Join(' ', result.Flags)}");
        }));
        return flags;
    }

    private static Command Move(CliApp app, Option<bool> json)
    {
        var (name, folder, uid) = Address();
        var destination = new Argument<string>("destination") { Description = "The destination folder" };
        var move = new Command("move", "Move one message to another folder") { name, folder, uid, destination };
        move.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var moved = await client.Mailboxes.MoveMessageAsync(new MoveMessageRequest
            {
                Name = parse.GetValue(name)!, Folder = parse.GetValue(folder)!, Uid = parse.GetValue(uid), Destination = parse.GetValue(destination)!,
            }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(moved)
                : $"moved to {moved.Folder}{(moved.Uid == 0 ? "" : $" as uid {moved.Uid}")}");
        }));
        return move;
    }

    private static (Argument<string> Name, Argument<string> Folder, Argument<uint> Uid) Address() => (
        new Argument<string>("mailbox") { Description = "The mailbox name" },
        new Argument<string>("folder") { Description = "The folder" },
        new Argument<uint>("uid") { Description = "The message's UID in the folder" });

    private static Timestamp? Date(string? text, string option)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new CliException($"{option}: '{text}' is not a date (use 2026-11-22 or 2026-11-22T10:00:00Z)");
        }

        return Timestamp.FromDateTimeOffset(value);
    }

    private static string Describe(MessagePart part)
    {
        var text = $"{(part.Path.Length == 0 ? "" : part.Path + " ")}{part.ContentType} ({part.Size} bytes)";
        if (part.FileName.Length > 0)
        {
            text += $" {part.FileName}";
        }

        return text.EscapeMarkup();
    }

    private static void AddParts(IHasTreeNodes node, MessagePart part)
    {
        foreach (var child in part.Parts)
        {
            AddParts(node.AddNode(Describe(child)), child);
        }
    }
}
