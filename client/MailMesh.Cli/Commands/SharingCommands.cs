using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>sharing members|conversation|sla|audit</c>: shared-mailbox administration.</summary>
internal static class SharingCommands
{
    public static Command Create(CliApp app)
    {
        var sharing = new Command("sharing", "Members, conversations, SLA and audit trail of shared mailboxes");
        var json = new Option<bool>("--json") { Description = "Print JSON (one object per line for lists)", Recursive = true };
        sharing.Add(json);
        sharing.Add(AsUser.Create());
        sharing.Add(Members(app, json));
        sharing.Add(Conversations(app, json));
        sharing.Add(Sla(app, json));
        sharing.Add(Audit(app, json));
        sharing.Add(SharingSendCommand.Create(app, json));
        return sharing;
    }

    private static Command Members(CliApp app, Option<bool> json)
    {
        var members = new Command("members", "List, set or remove members and their access levels");
        var listName = Mailbox();
        var list = new Command("list", "List the members") { listName };
        list.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var found = await client.Sharing.ListMembersAsync(new ListMembersRequest { Mailbox = parse.GetValue(listName)! }, options, ct);
            var table = new Table().AddColumns("user", "access", "changed", "by");
            foreach (var m in found.Members)
            {
                await Row(app, parse.GetValue(json), m, table, m.User, Level(m.Access), Format.Time(m.ChangedAt), m.ChangedBy);
            }

            Show(app, parse.GetValue(json), table);
        }));

        var setName = Mailbox();
        var setUser = new Argument<string>("user") { Description = "The user id" };
        var access = new Option<string>("--access") { Description = "read-only, send-as or full", Required = true };
        access.AcceptOnlyFromAmong("read-only", "send-as", "full");
        var set = new Command("set", "Add a member or change its access level") { setName, setUser, access };
        set.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var level = parse.GetValue(access) switch { "full" => AccessLevel.Full, "send-as" => AccessLevel.SendAs, _ => AccessLevel.ReadOnly };
            var member = await client.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = parse.GetValue(setName)!, User = parse.GetValue(setUser)!, Access = level }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(member) : $"{member.User}: {Level(member.Access)}");
        }));

        var removeName = Mailbox();
        var removeUser = new Argument<string>("user") { Description = "The user id" };
        var remove = new Command("remove", "Remove a member") { removeName, removeUser };
        remove.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            await client.Sharing.RemoveMemberAsync(new RemoveMemberRequest { Mailbox = parse.GetValue(removeName)!, User = parse.GetValue(removeUser)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? "{}" : $"removed {parse.GetValue(removeUser)}");
        }));
        members.Add(list);
        members.Add(set);
        members.Add(remove);
        return members;
    }

    private static Command Conversations(CliApp app, Option<bool> json)
    {
        var conversation = new Command("conversation", "Show, list, assign, set the status of and annotate conversations");
        var getName = Mailbox();
        var getId = new Argument<string>("id") { Description = "Conversation id (conversationId of a message)" };
        var get = new Command("get", "Show a conversation with its notes") { getName, getId };
        get.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var c = await client.Sharing.GetConversationAsync(new GetConversationRequest { Mailbox = parse.GetValue(getName)!, ConversationId = parse.GetValue(getId)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(c));
                return;
            }

            await app.Output.WriteLineAsync($"{c.Id}: {Status(c.Status)}, assignee {(c.Assignee.Length == 0 ? "none" : c.Assignee)}");
            foreach (var n in c.Notes)
            {
                await app.Output.WriteLineAsync($"  #{n.Id} {Format.Time(n.At)} {n.Author}: {n.Text}");
            }
        }));

        var listName = Mailbox();
        var status = new Option<string?>("--status") { Description = "open, pending or closed" };
        status.AcceptOnlyFromAmong("open", "pending", "closed");
        var assignee = new Option<string?>("--assignee") { Description = "Only those assigned to this user" };
        var list = new Command("list", "List conversations somebody has touched") { listName, status, assignee };
        list.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new ListConversationsRequest { Mailbox = parse.GetValue(listName)!, Status = ParseStatus(parse.GetValue(status)), Assignee = parse.GetValue(assignee) ?? "", PageSize = 500 };
            var table = new Table().AddColumns("id", "status", "assignee", "notes", "sla breached");
            do
            {
                var page = await client.Sharing.ListConversationsAsync(request, options, ct);
                foreach (var c in page.Conversations)
                {
                    await Row(app, parse.GetValue(json), c, table, c.Id, Status(c.Status), c.Assignee, c.Notes.Count.ToString(CultureInfo.InvariantCulture), Format.Time(c.SlaBreachedAt));
                }

                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);
            Show(app, parse.GetValue(json), table);
        }));

        var updateName = Mailbox();
        var updateId = new Argument<string>("id") { Description = "Conversation id" };
        var newStatus = new Option<string?>("--status") { Description = "open, pending or closed" };
        newStatus.AcceptOnlyFromAmong("open", "pending", "closed");
        var assignTo = new Option<string?>("--assign") { Description = "Assign to this member (\"\" unassigns)" };
        var update = new Command("update", "Set the status and/or assignee") { updateName, updateId, newStatus, assignTo };
        update.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new UpdateConversationRequest { Mailbox = parse.GetValue(updateName)!, ConversationId = parse.GetValue(updateId)!, Status = ParseStatus(parse.GetValue(newStatus)) };
            if (request.Status != ConversationStatus.Unspecified)
            {
                request.UpdateMask.Add("status");
            }

            if (parse.GetValue(assignTo) is { } to)
            {
                request.Assignee = to;
                request.UpdateMask.Add("assignee");
            }

            if (request.UpdateMask.Count == 0)
            {
                throw new CliException("give --status and/or --assign");
            }

            var c = await client.Sharing.UpdateConversationAsync(request, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(c) : $"{c.Id}: {Status(c.Status)}, assignee {(c.Assignee.Length == 0 ? "none" : c.Assignee)}");
        }));

        var noteName = Mailbox();
        var noteId = new Argument<string>("id") { Description = "Conversation id" };
        var text = new Argument<string>("text") { Description = "The note" };
        var note = new Command("note", "Add an internal note") { noteName, noteId, text };
        note.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var n = await client.Sharing.AddNoteAsync(new AddNoteRequest { Mailbox = parse.GetValue(noteName)!, ConversationId = parse.GetValue(noteId)!, Text = parse.GetValue(text)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(n) : $"note #{n.Id} added");
        }));
        conversation.Add(get);
        conversation.Add(list);
        conversation.Add(update);
        conversation.Add(note);
        return conversation;
    }

    private static Command Sla(CliApp app, Option<bool> json)
    {
        var name = Mailbox();
        var minutes = new Option<int?>("--first-response-minutes") { Description = "Set the first-response target (0 clears it)" };
        var since = new Option<string?>("--applies-since") { Description = "Only messages dated from here count (default now)" };
        var sla = new Command("sla", "Show or set the response-time target") { name, minutes, since };
        sla.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            SlaPolicy policy;
            if (parse.GetValue(minutes) is { } m)
            {
                var request = new SetSlaPolicyRequest { Mailbox = parse.GetValue(name)!, FirstResponseSeconds = m * 60L };
                if (parse.GetValue(since) is { } text)
                {
                    request.AppliesSince = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                        ? Timestamp.FromDateTimeOffset(at)
                        : throw new CliException($"--applies-since: '{text}' is not a date (use 2026-11-22 or 2026-11-22T10:00:00Z)");
                }

                policy = await client.Sharing.SetSlaPolicyAsync(request, options, ct);
            }
            else
            {
                policy = await client.Sharing.GetSlaPolicyAsync(new GetSlaPolicyRequest { Mailbox = parse.GetValue(name)! }, options, ct);
            }

            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(policy)
                : policy.FirstResponseSeconds == 0 ? "no response-time target" : $"first response within {policy.FirstResponseSeconds / 60} minutes, for messages since {Format.Time(policy.AppliesSince)}");
        }));
        return sla;
    }

    private static Command Audit(CliApp app, Option<bool> json)
    {
        var audit = new Command("audit", "Read or verify the audit trail (never editable)");
        var name = Mailbox();
        var actor = new Option<string?>("--actor") { Description = "Only this actor (user id or key:<id>)" };
        var action = new Option<string?>("--action") { Description = "Only this action or prefix (e.g. message, members.added)" };
        var limit = new Option<int>("--limit") { Description = "Most entries (default 100; 0 for all)", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List audit entries, oldest first") { name, actor, action, limit };
        list.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new ListAuditRequest { Mailbox = parse.GetValue(name)!, Actor = parse.GetValue(actor) ?? "", Action = parse.GetValue(action) ?? "" };
            var max = parse.GetValue(limit);
            var table = new Table().AddColumns("seq", "at", "actor", "action", "target");
            var shown = 0;
            do
            {
                request.PageSize = max == 0 ? 1000 : Math.Min(1000, max - shown);
                var page = await client.Sharing.ListAuditAsync(request, options, ct);
                foreach (var e in page.Entries)
                {
                    await Row(app, parse.GetValue(json), e, table, e.Sequence.ToString(CultureInfo.InvariantCulture), Format.Time(e.At), e.Actor, e.Action, e.Target);
                }

                shown += page.Entries.Count;
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && (max == 0 || shown < max));
            Show(app, parse.GetValue(json), table);
        }));
        var verifyName = Mailbox();
        var verify = new Command("verify", "Check the audit trail's hash chain") { verifyName };
        verify.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var result = await client.Sharing.VerifyAuditAsync(new VerifyAuditRequest { Mailbox = parse.GetValue(verifyName)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(result)
                : result.Valid ? $"valid: {result.Entries} entries" : $"INVALID at entry {result.FirstInvalidSequence}: {result.Problem}");
            if (!result.Valid)
            {
                throw new Client.MailMeshRpcException(Client.StatusCode.DataLoss, $"the audit trail does not verify: {result.Problem}");
            }
        }));
        audit.Add(list);
        audit.Add(verify);
        return audit;
    }

    private static Argument<string> Mailbox() => new("mailbox") { Description = "The mailbox name" };

    private static async Task Row(CliApp app, bool json, Google.Protobuf.IMessage item, Table table, params string[] cells)
    {
        if (json)
        {
            await app.Output.WriteLineAsync(Format.ToJson(item));
        }
        else
        {
            table.AddRow(cells.Select(c => c.EscapeMarkup()).ToArray());
        }
    }

    private static void Show(CliApp app, bool json, Table table)
    {
        if (!json)
        {
            app.Console.Write(table);
        }
    }

    private static string Level(AccessLevel level) => level switch
    {
        AccessLevel.ReadOnly => "read-only",
        AccessLevel.SendAs => "send-as",
        AccessLevel.Full => "full",
        _ => "none",
    };

    private static string Status(ConversationStatus status) => status switch
    {
        ConversationStatus.Pending => "pending",
        ConversationStatus.Closed => "closed",
        _ => "open",
    };

    private static ConversationStatus ParseStatus(string? text) => text switch
    {
        "open" => ConversationStatus.Open,
        "pending" => ConversationStatus.Pending,
        "closed" => ConversationStatus.Closed,
        _ => ConversationStatus.Unspecified,
    };
}
