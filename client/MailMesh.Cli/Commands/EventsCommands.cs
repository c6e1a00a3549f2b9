using System.CommandLine;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static class EventsCommands
{
    public static Command Create(CliApp app)
    {
        var events = new Command("events", "Watch the event stream");
        var from = new Option<long>("--from") { Description = "First sequence number to show (default: only new events)", DefaultValueFactory = _ => -1 };
        var type = new Option<string?>("--type") { Description = "Only this type or its sub-types, e.g. mailbox" };
        var subject = new Option<string?>("--subject") { Description = "Only events about this subject" };
        var json = Format.JsonOption(list: true);
        var tail = new Command("tail", "Print events as they happen (Ctrl+C to stop); resumes by itself after a disconnect") { from, type, subject, json };
        tail.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var start = parse.GetValue(from);
            if (start < 0)
            {
                start = (await client.Status.GetAsync(new GetStatusRequest(), options, ct)).LastEventSequence + 1;
            }

            var request = new SubscribeRequest { FromSequence = start, Type = parse.GetValue(type) ?? "", Subject = parse.GetValue(subject) ?? "" };
            await foreach (var e in client.Events.FollowAsync(request, RetryPolicy.Default, ct))
            {
                if (parse.GetValue(json))
                {
                    await app.Output.WriteLineAsync(Format.ToJson(e));
                }
                else
                {
                    app.Console.MarkupLine(
                        $"[grey]{e.Sequence,8}[/] {Format.Time(e.Time)} [bold]{e.Type.EscapeMarkup()}[/] {e.Subject.EscapeMarkup()} {e.PayloadJson.EscapeMarkup()}");
                }

                await app.Output.FlushAsync(ct);
            }
        }));
        events.Add(tail);
        return events;
    }
}
