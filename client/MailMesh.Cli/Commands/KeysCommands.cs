using System.CommandLine;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static class KeysCommands
{
    public static Command Create(CliApp app)
    {
        var keys = new Command("keys", "Manage the API keys of your tenant (needs an admin key)");
        keys.Add(CreateCommand(app));
        keys.Add(ListCommand(app));
        keys.Add(RevokeCommand(app));
        return keys;
    }

    private static Command CreateCommand(CliApp app)
    {
        var name = new Option<string>("--name") { Description = "A name to tell the key apart", Required = true };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"A scope to grant (repeat for several): {string.Join(", ", ApiScopes.All)}",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var json = Format.JsonOption();
        var command = new Command("create", "Create a key; its secret is printed once") { name, scopes, json };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new CreateApiKeyRequest { Name = parse.GetValue(name)! };
            request.Scopes.AddRange(parse.GetValue(scopes)!);
            var response = await client.Admin.CreateApiKeyAsync(request, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(response));
                return;
            }

            var created = response.Created;
            app.Console.MarkupLine($"created key [bold]{created.Key.Id.EscapeMarkup()}[/] with scopes {string.Join(", ", created.Key.Scopes).EscapeMarkup()}");
            app.Console.MarkupLine("secret (shown only now; store it safely):");
            await app.Output.WriteLineAsync(created.Secret);
        }));
        return command;
    }

    private static Command ListCommand(CliApp app)
    {
        var all = new Option<bool>("--all") { Description = "Include revoked keys" };
        var json = Format.JsonOption(list: true);
        var command = new Command("list", "List keys") { all, json };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Admin.ListApiKeysAsync(new ListApiKeysRequest { IncludeRevoked = parse.GetValue(all) }, options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, response.Keys);
                return;
            }

            var table = new Table().AddColumns("id", "name", "scopes", "created", "revoked");
            foreach (var key in response.Keys)
            {
                table.AddRow(key.Id.EscapeMarkup(), key.Name.EscapeMarkup(), string.Join(", ", key.Scopes).EscapeMarkup(),
                    Format.Time(key.CreatedAt), Format.Time(key.RevokedAt));
            }

            app.Console.Write(table);
        }));
        return command;
    }

    private static Command RevokeCommand(CliApp app)
    {
        var id = new Argument<string>("key-id") { Description = "The id of the key to revoke" };
        var json = Format.JsonOption();
        var command = new Command("revoke", "Revoke a key") { id, json };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var key = await client.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = parse.GetValue(id)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(key));
                return;
            }

            app.Console.MarkupLine($"revoked key [bold]{key.Id.EscapeMarkup()}[/] at {Format.Time(key.RevokedAt)}");
        }));
        return command;
    }
}
