using System.CommandLine;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static class MailboxCommands
{
    public static Command Create(CliApp app)
    {
        var mailbox = new Command("mailbox", "Create, change and delete mailboxes; set their source; sync them");
        var json = new Option<bool>("--json") { Description = "Print JSON", Recursive = true };
        mailbox.Add(json);
        mailbox.Add(AsUser.Create());

        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var displayName = new Option<string>("--display-name") { Description = "Shown to people", Required = true };
        var address = new Option<string?>("--address") { Description = "The mailbox's e-mail address" };
        var create = new Command("create", "Create a mailbox") { name, displayName, address };
        create.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var created = await client.Mailboxes.CreateAsync(new CreateMailboxRequest
            {
                Name = parse.GetValue(name)!,
                DisplayName = parse.GetValue(displayName)!,
                Address = parse.GetValue(address) ?? "",
            }, options, ct);
            await Print(app, parse.GetValue(json), created);
        }));

        var getName = new Argument<string>("name") { Description = "The mailbox name" };
        var get = new Command("get", "Show a mailbox") { getName };
        get.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var found = await client.Mailboxes.GetAsync(new GetMailboxRequest { Name = parse.GetValue(getName)! }, options, ct);
            await Print(app, parse.GetValue(json), found);
        }));

        var list = new Command("list", "List all mailboxes");
        list.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var table = new Table().AddColumns("name", "display name", "address", "created");
            var token = "";
            do
            {
                var page = await client.Mailboxes.ListAsync(new ListMailboxesRequest { PageSize = 500, PageToken = token }, options, ct);
                foreach (var m in page.Mailboxes)
                {
                    if (parse.GetValue(json))
                    {
                        await app.Output.WriteLineAsync(Format.ToJson(m));
                    }
                    else
                    {
                        table.AddRow(m.Name.EscapeMarkup(), m.DisplayName.EscapeMarkup(), m.Address.EscapeMarkup(), Format.Time(m.CreatedAt));
                    }
                }

                token = page.NextPageToken;
            }
            while (token.Length > 0);

            if (!parse.GetValue(json))
            {
                app.Console.Write(table);
            }
        }));

        var updateName = new Argument<string>("name") { Description = "The mailbox name" };
        var newDisplayName = new Option<string?>("--display-name") { Description = "New display name" };
        var newAddress = new Option<string?>("--address") { Description = "New e-mail address (\"\" removes it)" };
        var update = new Command("update", "Change a mailbox's display name or address") { updateName, newDisplayName, newAddress };
        update.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new UpdateMailboxRequest { Name = parse.GetValue(updateName)! };
            if (parse.GetValue(newDisplayName) is { } dn)
            {
                request.DisplayName = dn;
                request.UpdateMask.Add("display_name");
            }

            if (parse.GetValue(newAddress) is { } a)
            {
                request.Address = a;
                request.UpdateMask.Add("address");
            }

            if (request.UpdateMask.Count == 0)
            {
                throw new CliException("give --display-name and/or --address");
            }

            await Print(app, parse.GetValue(json), await client.Mailboxes.UpdateAsync(request, options, ct));
        }));

        var deleteName = new Argument<string>("name") { Description = "The mailbox name" };
        var yes = new Option<bool>("--yes") { Description = "Confirm: the index and stored messages are deleted (the source server is untouched)" };
        var delete = new Command("delete", "Delete a mailbox and its stored messages") { deleteName, yes };
        delete.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            if (!parse.GetValue(yes))
            {
                throw new CliException($"deleting mailbox '{parse.GetValue(deleteName)}' removes its stored messages; add --yes to confirm");
            }

            await client.Mailboxes.DeleteAsync(new DeleteMailboxRequest { Name = parse.GetValue(deleteName)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? "{}" : $"deleted mailbox {parse.GetValue(deleteName)}");
        }));

        mailbox.Add(create);
        mailbox.Add(get);
        mailbox.Add(list);
        mailbox.Add(update);
        mailbox.Add(delete);
        MailboxSourceCommands.AddTo(mailbox, app, json);
        return mailbox;
    }

    private static async Task Print(CliApp app, bool json, Mailbox mailbox)
    {
        if (json)
        {
            await app.Output.WriteLineAsync(Format.ToJson(mailbox));
            return;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("name", mailbox.Name.EscapeMarkup());
        grid.AddRow("display name", mailbox.DisplayName.EscapeMarkup());
        grid.AddRow("address", mailbox.Address.EscapeMarkup());
        grid.AddRow("tenant", mailbox.Tenant.EscapeMarkup());
        grid.AddRow("created", Format.Time(mailbox.CreatedAt));
        app.Console.Write(grid);
    }
}
