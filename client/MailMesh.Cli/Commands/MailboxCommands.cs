using System.CommandLine;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static class MailboxCommands
{
    public static Command Create(CliApp app)
    {
        var mailbox = new Command("mailbox", "Create and read mailboxes");
        var json = new Option<bool>("--json") { Description = "Print JSON", Recursive = true };
        mailbox.Add(json);

        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var displayName = new Option<string>("--display-name") { Description = "Shown to people", Required = true };
        var address = new Option<string?>("--address") { Description = "The mailbox's e-mail address" };
        var create = new Command("create", "Create a mailbox") { name, displayName, address };
        create.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
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
        get.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var found = await client.Mailboxes.GetAsync(new GetMailboxRequest { Name = parse.GetValue(getName)! }, options, ct);
            await Print(app, parse.GetValue(json), found);
        }));

        var list = new Command("list", "List all mailboxes");
        list.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
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

        mailbox.Add(create);
        mailbox.Add(get);
        mailbox.Add(list);
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
