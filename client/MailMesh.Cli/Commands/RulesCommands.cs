using System.CommandLine;
using Google.Protobuf;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh rules upload|validate|get|list|activate|test</c>.</summary>
internal static class RulesCommands
{
    public static Command Create(CliApp app)
    {
        var rules = new Command("rules", "Sieve rules of a mailbox: upload and validate scripts, list and activate versions, dry runs");
        var json = new Option<bool>("--json") { Description = "Print JSON", Recursive = true };
        rules.Add(json);
        rules.Add(AsUser.Create());

        var upMailbox = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var upFile = new Argument<FileInfo>("script") { Description = "The Sieve script file" };
        var activate = new Option<bool>("--activate") { Description = "Make it the active script at once" };
        var comment = new Option<string?>("--comment") { Description = "A note for the version history" };
        var upload = new Command("upload", "Validate a script and store it as a new version") { upMailbox, upFile, activate, comment };
        upload.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var stored = await client.Rules().UploadAsync(new UploadRulesRequest
            {
                Mailbox = parse.GetValue(upMailbox)!,
                Script = await ReadScriptAsync(parse.GetValue(upFile)!, ct),
                Activate = parse.GetValue(activate),
                Comment = parse.GetValue(comment) ?? "",
            }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(stored)
                : $"stored version {stored.Info.Version}{(stored.Info.Active ? " (active)" : "")}, {stored.Info.Size} bytes{Warnings(stored.Warnings)}");
        }));

        var vMailbox = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var vFile = new Argument<FileInfo>("script") { Description = "The Sieve script file" };
        var validate = new Command("validate", "Check a script without storing it (exit code 1 when it has errors)") { vMailbox, vFile };
        validate.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var file = parse.GetValue(vFile)!;
            var result = await client.Rules().ValidateAsync(new ValidateRulesRequest { Mailbox = parse.GetValue(vMailbox)!, Script = await ReadScriptAsync(file, ct) }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(result));
            }
            else
            {
                foreach (var d in result.Diagnostics)
                {
                    await app.Output.WriteLineAsync($"{file.Name}:{d.Line}:{d.Column}: {d.Severity}: {d.Message}");
                }

                await app.Output.WriteLineAsync(result.Valid ? $"valid (requires: {string.Join(", ", result.RequiredExtensions)})" : "invalid");
            }

            if (!result.Valid)
            {
                throw new CliException($"{file.Name} has {result.Diagnostics.Count(d => d.Severity == "error")} error(s)");
            }
        }));

        var gMailbox = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var gVersion = new Option<int>("--version") { Description = "The version (default: the active one)" };
        var get = new Command("get", "Print a script version") { gMailbox, gVersion };
        get.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var found = await client.Rules().GetAsync(new GetRulesRequest { Mailbox = parse.GetValue(gMailbox)!, Version = parse.GetValue(gVersion) }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(found) : found.Script);
        }));

        var lMailbox = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var list = new Command("list", "List script versions, newest first") { lMailbox };
        list.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var versions = await client.Rules().ListAsync(new ListRuleVersionsRequest { Mailbox = parse.GetValue(lMailbox)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(versions));
                return;
            }

            var table = new Table().AddColumns("version", "active", "created", "author", "size", "comment");
            foreach (var v in versions.Versions)
            {
                table.AddRow(v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Active ? "yes" : "", Format.Time(v.CreatedAt),
                    v.Author.EscapeMarkup(), v.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Comment.EscapeMarkup());
            }

            app.Console.Write(table);
        }));

        var aMailbox = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var aVersion = new Argument<int>("version") { Description = "The version to make active (an older one rolls back)" };
        var activateCommand = new Command("activate", "Make a stored version the active script") { aMailbox, aVersion };
        activateCommand.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var info = await client.Rules().ActivateAsync(new ActivateRulesRequest { Mailbox = parse.GetValue(aMailbox)!, Version = parse.GetValue(aVersion) }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(info) : $"version {info.Version} is active");
        }));

        rules.Add(upload);
        rules.Add(validate);
        rules.Add(get);
        rules.Add(list);
        rules.Add(activateCommand);
        rules.Add(TestCommand(app, json));
        return rules;
    }

    private static Command TestCommand(CliApp app, Option<bool> json)
    {
        var mailbox = new Argument<string>("mailbox") { Description = "The mailbox name" };
        var folder = new Option<string?>("--folder") { Description = "Folder of a stored message (with --uid)" };
        var uid = new Option<uint>("--uid") { Description = "UID of a stored message" };
        var raw = new Option<FileInfo?>("--message-file") { Description = "A raw .eml message instead of a stored one" };
        var version = new Option<int>("--version") { Description = "The version to run (default: the active one)" };
        var script = new Option<FileInfo?>("--script-file") { Description = "An unsaved script to run instead of a stored version" };
        var test = new Command("test", "Dry run: the actions a script decides for a message; nothing is applied") { mailbox, folder, uid, raw, version, script };
        test.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new TestRulesRequest { Mailbox = parse.GetValue(mailbox)! };
            if (parse.GetValue(raw) is { } file)
            {
                request.RawMessage = ByteString.CopyFrom(await File.ReadAllBytesAsync(file.FullName, ct));
            }
            else if (parse.GetValue(folder) is { } f && parse.GetValue(uid) > 0)
            {
                request.Stored = new StoredMessageRef { Folder = f, Uid = parse.GetValue(uid) };
            }
            else
            {
                throw new CliException("give --folder and --uid of a stored message, or --message-file");
            }

            if (parse.GetValue(script) is { } s)
            {
                request.Script = await ReadScriptAsync(s, ct);
            }
            else if (parse.GetValue(version) > 0)
            {
                request.Version = parse.GetValue(version);
            }

            var result = await client.Rules().TestAsync(request, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(result));
                return;
            }

            foreach (var a in result.Actions)
            {
                await app.Output.WriteLineAsync(Describe(a));
            }

            foreach (var line in result.Log)
            {
                await app.Output.WriteLineAsync("note: " + line);
            }

            if (result.Error.Length > 0)
            {
                await app.Output.WriteLineAsync("error: " + result.Error);
            }
        }));
        return test;
    }

    private static async Task<string> ReadScriptAsync(FileInfo file, CancellationToken ct) =>
        file.Exists ? await File.ReadAllTextAsync(file.FullName, ct) : throw new CliException($"script file '{file.FullName}' does not exist");

    private static string Warnings(IEnumerable<RuleDiagnostic> warnings)
    {
        var list = warnings.Select(w => $"\n  line {w.Line}, column {w.Column}: warning: {w.Message}").ToList();
        return list.Count == 0 ? "" : string.Concat(list);
    }

    private static string Describe(RuleAction a) =>
        a.Kind + (a.Argument.Length > 0 ? $" \"{a.Argument}\"" : "") + (a.Flags.Count > 0 ? " flags " + string.Join(' ', a.Flags) : "")
        + (a.Copy ? " :copy" : "") + (a.Create ? " :create" : "") + (a.Implicit ? " (implicit)" : "") + (a.Subject.Length > 0 ? $" subject \"{a.Subject}\"" : "");
}
