using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh contacts export|erase</c> (GDPR).</summary>
internal static partial class ContactsCommands
{
    private static Command ExportCommand(CliApp app)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the JSON to this file instead of standard output" };
        var command = new Command("export", "Everything held about a contact, as JSON (GDPR access; recorded in the audit trail)") { address, output };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var export = await client.Contacts().ExportAsync(new ExportContactRequest { Address = parse.GetValue(address)! }, options, ct);
            using var document = JsonDocument.Parse(export.Json);
            var text = JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true });
            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, text + "\n", ct);
                await app.Output.WriteLineAsync($"exported {parse.GetValue(address)} to {path}" + (export.ContactExists ? "" : " (no contact is stored for it)"));
                return;
            }

            await app.Output.WriteLineAsync(text);
        }));
        return command;
    }

    private static Command EraseCommand(CliApp app, Option<bool> json)
    {
        var address = new Argument<string>("address") { Description = "The e-mail address" };
        var yes = new Option<bool>("--yes") { Description = "Confirm: the contact's data is removed for good and the address blocked" };
        var command = new Command("erase", "Forget a person (GDPR erasure): data removed, events tombstoned, the address blocked for good") { address, yes };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            if (!parse.GetValue(yes))
            {
                throw new CliException("erase removes the contact's data for good and blocks the address; add --yes to confirm.");
            }

            var erased = await client.Contacts().EraseAsync(new EraseContactRequest { Address = parse.GetValue(address)! }, options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, [erased]);
                return;
            }

            await app.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"erased {parse.GetValue(address)}: {(erased.ContactExisted ? "contact removed" : "no contact was stored")}, {erased.EventsTombstoned} events tombstoned, {erased.ImportsRedacted} imports redacted; blocked as {erased.AddressHash}"));
        }));
        return command;
    }
}
