using System.CommandLine;
using MailMesh.Api.V1;

namespace MailMesh.Cli.Commands;

/// <summary><c>sharing send MAILBOX</c>: send a message as the mailbox (send-as), or answer a stored message.</summary>
internal static class SharingSendCommand
{
    public static Command Create(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var to = new Option<string[]>("--to") { Description = "Recipient (repeat)" };
        var cc = new Option<string[]>("--cc") { Description = "Copy recipient (repeat)" };
        var bcc = new Option<string[]>("--bcc") { Description = "Blind copy recipient (repeat)" };
        var subject = new Option<string?>("--subject") { Description = "Subject (a reply defaults to \"Re: \" and the original's)" };
        var text = new Option<string?>("--text") { Description = "The text" };
        var textFile = new Option<FileInfo?>("--text-file") { Description = "Read the text from this UTF-8 file ('-' for standard input is not supported)" };
        var replyFolder = new Option<string?>("--reply-folder") { Description = "Answer the message in this folder (with --reply-uid)" };
        var replyUid = new Option<uint?>("--reply-uid") { Description = "UID of the message to answer" };
        var requestId = new Option<string?>("--request-id") { Description = "Id that makes a retry safe: the same id never sends twice" };
        var send = new Command("send", "Send a message from the mailbox's address (needs send_as or full access)")
        {
            name, to, cc, bcc, subject, text, textFile, replyFolder, replyUid, requestId,
        };
        send.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            if (parse.GetValue(text) is not null && parse.GetValue(textFile) is not null)
            {
                throw new CliException("give --text or --text-file, not both");
            }

            var body = parse.GetValue(text) ?? "";
            if (parse.GetValue(textFile) is { } file)
            {
                if (!file.Exists)
                {
                    throw new CliException($"--text-file {file.FullName} does not exist");
                }

                body = await File.ReadAllTextAsync(file.FullName, ct);
            }

            if ((parse.GetValue(replyFolder) is null) != (parse.GetValue(replyUid) is null))
            {
                throw new CliException("--reply-folder and --reply-uid go together");
            }

            var request = new SendMessageRequest
            {
                Mailbox = parse.GetValue(name)!, Subject = parse.GetValue(subject) ?? "", Text = body,
                ReplyToFolder = parse.GetValue(replyFolder) ?? "", ReplyToUid = parse.GetValue(replyUid) ?? 0, RequestId = parse.GetValue(requestId) ?? "",
            };
            request.To.AddRange(parse.GetValue(to) ?? []);
            request.Cc.AddRange(parse.GetValue(cc) ?? []);
            request.Bcc.AddRange(parse.GetValue(bcc) ?? []);
            var sent = await client.Sharing.SendMessageAsync(request, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(sent));
                return;
            }

            await app.Output.WriteLineAsync($"{(sent.Repeated ? "already sent" : "sent")} <{sent.MessageId}> to {string.Join(", ", sent.Recipients)}: {sent.ServerReply}");
            if (sent.Note.Length > 0)
            {
                await app.Output.WriteLineAsync(sent.Note);
            }
        }));
        return send;
    }
}
