using System.CommandLine;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static class TenantsCommands
{
    public static Command Create(CliApp app)
    {
        var tenants = new Command("tenants", "Manage tenants (needs an operator admin key)");
        tenants.Add(CreateCommand(app));
        tenants.Add(ListCommand(app));
        return tenants;
    }

    private static Command CreateCommand(CliApp app)
    {
        var id = new Argument<string>("tenant-id") { Description = "Lower-case letters, digits and '-'" };
        var displayName = new Option<string>("--display-name") { Description = "A human-readable name", Required = true };
        var json = Format.JsonOption();
        var create = new Command("create", "Create a tenant and print its first admin key once") { id, displayName, json };
        create.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Admin.CreateTenantAsync(
                new CreateTenantRequest { TenantId = parse.GetValue(id)!, DisplayName = parse.GetValue(displayName)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(response));
                return;
            }

            app.Console.MarkupLine($"created tenant [bold]{response.Tenant.Id.EscapeMarkup()}[/]; its admin key [bold]{response.AdminKey.Key.Id.EscapeMarkup()}[/] (shown only now):");
            await app.Output.WriteLineAsync(response.AdminKey.Secret);
        }));
        return create;
    }

    private static Command ListCommand(CliApp app)
    {
        var json = Format.JsonOption(list: true);
        var list = new Command("list", "List tenants") { json };
        list.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Admin.ListTenantsAsync(new ListTenantsRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, response.Tenants);
                return;
            }

            var table = new Table().AddColumns("id", "name", "created");
            foreach (var tenant in response.Tenants)
            {
                table.AddRow(tenant.Id.EscapeMarkup(), tenant.DisplayName.EscapeMarkup(), Format.Time(tenant.CreatedAt));
            }

            app.Console.Write(table);
        }));
        return list;
    }
}
