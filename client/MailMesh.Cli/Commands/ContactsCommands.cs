using System.CommandLine;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh contacts create|get|update|delete|export|erase|list|unsubscribe|suppress|unsuppress|check|schema|define|import…</c>.</summary>
internal static partial class ContactsCommands
{
    public static Command Create(CliApp app)
    {
        var contacts = new Command("contacts", "Contacts: attributes, lists, consent, suppression, the attribute schema and imports");
        var json = new Option<bool>("--json") { Description = "Print JSON (one object; one per line for lists)", Recursive = true };
        contacts.Add(json);
        contacts.Add(CreateCommand(app, json));
        contacts.Add(UpdateCommand(app, json));
        contacts.Add(GetCommand(app, json));
        contacts.Add(DeleteCommand(app));
        contacts.Add(ExportCommand(app));
        contacts.Add(EraseCommand(app, json));
        contacts.Add(ListCommand(app, json));
        contacts.Add(UnsubscribeCommand(app, json));
        contacts.Add(SuppressCommand(app, json, unsuppress: false));
        contacts.Add(SuppressCommand(app, json, unsuppress: true));
        contacts.Add(CheckCommand(app, json));
        contacts.Add(SchemaCommand(app, json));
        contacts.Add(DefineCommand(app, json));
        contacts.Add(ImportCommand(app, json));
        contacts.Add(ImportStatusCommand(app, json));
        contacts.Add(ImportIssuesCommand(app, json));
        return contacts;
    }

    private static Command CreateCommand(CliApp app, Option<bool> json)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var set = SetOption();
        var lists = new Option<string[]>("--list") { Description = "A list to join (repeat)" };
        var consent = new Option<string?>("--consent") { Description = "Record a granted consent for this purpose ('*' or a list)" };
        var command = new Command("create", "Create a contact") { address, set, lists, consent };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new CreateContactRequest { Address = parse.GetValue(address)!, Lists = { parse.GetValue(lists) ?? [] } };
            AddAttributes(request.Attributes, parse.GetValue(set));
            if (parse.GetValue(consent) is { } purpose)
            {
                request.Consent.Add(new ConsentEntry { Purpose = purpose, Source = "cli" });
            }

            await WriteContactAsync(app, await client.Contacts().CreateAsync(request, options, ct), parse.GetValue(json));
        }));
        return command;
    }

    private static Command UpdateCommand(CliApp app, Option<bool> json)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var set = SetOption();
        var unset = new Option<string[]>("--unset") { Description = "An attribute to remove (repeat)" };
        var add = new Option<string[]>("--add-list") { Description = "A list to join (repeat)" };
        var remove = new Option<string[]>("--remove-list") { Description = "A list to leave (repeat)" };
        var upsert = new Option<bool>("--upsert") { Description = "Create the contact when it does not exist" };
        var command = new Command("update", "Change a contact (all of it or nothing)") { address, set, unset, add, remove, upsert };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new UpdateContactRequest
            {
                Address = parse.GetValue(address)!, RemoveAttributes = { parse.GetValue(unset) ?? [] }, AddLists = { parse.GetValue(add) ?? [] },
                RemoveLists = { parse.GetValue(remove) ?? [] }, CreateIfMissing = parse.GetValue(upsert),
            };
            AddAttributes(request.SetAttributes, parse.GetValue(set));
            await WriteContactAsync(app, await client.Contacts().UpdateAsync(request, options, ct), parse.GetValue(json));
        }));
        return command;
    }

    private static Command GetCommand(CliApp app, Option<bool> json)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var command = new Command("get", "Show a contact") { address };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
            await WriteContactAsync(app, await client.Contacts().GetAsync(new GetContactRequest { Address = parse.GetValue(address)! }, options, ct), parse.GetValue(json))));
        return command;
    }

    private static Command DeleteCommand(CliApp app)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var command = new Command("delete", "Delete a contact (its suppressions too)") { address };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            await client.Contacts().DeleteAsync(new DeleteContactRequest { Address = parse.GetValue(address)! }, options, ct);
            await app.Output.WriteLineAsync($"deleted {parse.GetValue(address)}");
        }));
        return command;
    }

    private static Command ListCommand(CliApp app, Option<bool> json)
    {
        var list = new Option<string?>("--list") { Description = "Only members of this list" };
        var size = new Option<int>("--page-size") { Description = "Contacts per page (1-1000, default 100)" };
        var token = new Option<string?>("--page-token") { Description = "Continue after this address (the next page token)" };
        var command = new Command("list", "List contacts in address order") { list, size, token };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var page = await client.Contacts().ListAsync(
                new ListContactsRequest { List = parse.GetValue(list) ?? "", PageSize = parse.GetValue(size), PageToken = parse.GetValue(token) ?? "" }, options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, page.Contacts);
                return;
            }

            var table = new Table().AddColumns("address", "mailable", "role", "updated", "version");
            foreach (var c in page.Contacts)
            {
                table.AddRow(c.Address.EscapeMarkup(), c.Mailable ? "yes" : "no", c.RoleAddress ? "yes" : "", Format.Time(c.UpdatedAt), c.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            app.Console.Write(table);
            await app.Output.WriteLineAsync($"{page.Contacts.Count} shown of {page.Total}" + (page.NextPageToken.Length > 0 ? $"; next page: --page-token {page.NextPageToken}" : ""));
        }));
        return command;
    }

    private static Command UnsubscribeCommand(CliApp app, Option<bool> json)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var list = new Option<string>("--list") { Description = "The list ('*', the default, for everything)", DefaultValueFactory = _ => "*" };
        var command = new Command("unsubscribe", "Unsubscribe a contact (recorded in its consent ledger)") { address, list };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
            await WriteContactAsync(app, await client.Contacts().UnsubscribeAsync(
                new UnsubscribeContactRequest { Address = parse.GetValue(address)!, List = parse.GetValue(list)!, Source = "cli" }, options, ct), parse.GetValue(json))));
        return command;
    }

    private static Command SuppressCommand(CliApp app, Option<bool> json, bool unsuppress)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var reason = new Option<string>("--reason")
        {
            Description = unsuppress ? "The reason of the suppression to lift (unsubscribed, hard_bounced, complained, manual)" : "hard_bounced, complained or manual",
            DefaultValueFactory = _ => "manual",
        };
        var detail = new Option<string?>("--detail") { Description = "A note (bounce diagnostic, who asked, …)" };
        var scope = new Option<string>("--scope") { Description = "'*' (default) or the list of an unsubscribe", DefaultValueFactory = _ => "*" };
        var command = unsuppress
            ? new Command("unsuppress", "Lift a suppression (imports and updates never do)") { address, reason, scope }
            : new Command("suppress", "Suppress a contact for all mail") { address, reason, detail };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var contacts = client.Contacts();
            var contact = unsuppress
                ? await contacts.UnsuppressAsync(new UnsuppressContactRequest { Address = parse.GetValue(address)!, Reason = parse.GetValue(reason)!, Scope = parse.GetValue(scope)! }, options, ct)
                : await contacts.SuppressAsync(new SuppressContactRequest { Address = parse.GetValue(address)!, Reason = parse.GetValue(reason)!, Detail = parse.GetValue(detail) ?? "" }, options, ct);
            await WriteContactAsync(app, contact, parse.GetValue(json));
        }));
        return command;
    }

    private static Command CheckCommand(CliApp app, Option<bool> json)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var command = new Command("check", "Check an address: validity, normalized form, typo suggestion, role address (exit code 1 when invalid)") { address };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var check = await client.Contacts().CheckAddressAsync(new CheckAddressRequest { Address = parse.GetValue(address)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(check)
                : check.Valid
                    ? $"valid: {check.Normalized}{(check.Display != check.Normalized ? $" ({check.Display})" : "")}{(check.RoleAddress ? ", role address" : "")}{(check.Suggestion.Length > 0 ? $"; did you mean {check.Suggestion}?" : "")}"
                    : $"invalid: {check.Error}");
            if (!check.Valid)
            {
                throw new CliException($"'{parse.GetValue(address)}' is not a valid address");
            }
        }));
        return command;
    }

    private static Command SchemaCommand(CliApp app, Option<bool> json)
    {
        var command = new Command("schema", "Show the tenant's attribute schema");
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var schema = await client.Contacts().GetSchemaAsync(new GetAttributeSchemaRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(schema));
                return;
            }

            var table = new Table().AddColumns("name", "type", "standard", "description");
            foreach (var a in schema.Attributes)
            {
                table.AddRow(a.Name, TypeName(a.Type), a.BuiltIn ? "yes" : "", a.Description.EscapeMarkup());
            }

            app.Console.Write(table);
        }));
        return command;
    }

    private static Command DefineCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Attribute name (lower-case letters, digits, '_')" };
        var type = new Argument<string>("type") { Description = "string, number, date, bool or list" };
        var description = new Option<string?>("--description") { Description = "What it means" };
        var command = new Command("define", "Add an attribute to the tenant's schema") { name, type, description };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var typeName = parse.GetValue(type)!;
            var parsed = typeName.ToLowerInvariant() switch
            {
                "string" => AttributeType.String,
                "number" => AttributeType.Number,
                "date" => AttributeType.Date,
                "bool" => AttributeType.Bool,
                "list" => AttributeType.List,
                _ => throw new CliException($"'{typeName}' is not an attribute type; use string, number, date, bool or list"),
            };
            var schema = await client.Contacts().DefineAttributeAsync(
                new DefineAttributeRequest { Name = parse.GetValue(name)!, Type = parsed, Description = parse.GetValue(description) ?? "" }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(schema) : $"defined {parse.GetValue(name)} ({typeName}); schema version {schema.Version}");
        }));
        return command;
    }

    private static Option<string[]> SetOption() => new("--set") { Description = "name=value, the value as text in the attribute's type (repeat)" };

    private static void AddAttributes(Google.Protobuf.Collections.MapField<string, AttributeValue> target, string[]? assignments)
    {
        foreach (var assignment in assignments ?? [])
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--set '{assignment}' is not name=value");
            }

            target[assignment[..equals].Trim()] = new AttributeValue { Text = assignment[(equals + 1)..] };
        }
    }

    private static async Task WriteContactAsync(CliApp app, Contact contact, bool json)
    {
        if (json)
        {
            await app.Output.WriteLineAsync(Format.ToJson(contact));
            return;
        }

        await app.Output.WriteLineAsync($"{contact.DisplayAddress} (version {contact.Version}){(contact.Mailable ? "" : " NOT MAILABLE")}{(contact.RoleAddress ? ", role address" : "")}");
        foreach (var (name, value) in contact.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            await app.Output.WriteLineAsync($"  {name}: {Text(value)}");
        }

        if (contact.Lists.Count > 0)
        {
            await app.Output.WriteLineAsync($"  lists: {string.Join(", ", contact.Lists)}");
        }

        foreach (var s in contact.Suppressions)
        {
            await app.Output.WriteLineAsync($"  suppressed ({s.Scope}): {s.Reason} at {Format.Time(s.At)}{(s.Detail.Length > 0 ? " — " + s.Detail : "")}");
        }

        foreach (var c in contact.Consent)
        {
            await app.Output.WriteLineAsync($"  consent {(c.Withdrawn ? "withdrawn" : "granted")} for {c.Purpose} at {Format.Time(c.At)} from {c.Source}");
        }
    }

    private static string Text(AttributeValue value) => value.ValueCase switch
    {
        AttributeValue.ValueOneofCase.StringValue => value.StringValue,
        AttributeValue.ValueOneofCase.NumberValue => value.NumberValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        AttributeValue.ValueOneofCase.DateValue => Format.Time(value.DateValue),
        AttributeValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AttributeValue.ValueOneofCase.ListValue => string.Join("; ", value.ListValue.Items),
        _ => value.Text,
    };

    private static string TypeName(AttributeType type) => type.ToString().ToLowerInvariant();
}
