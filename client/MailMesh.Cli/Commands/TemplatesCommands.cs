using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh templates save|get|list|delete|preview|test-send</c> over <c>mailmesh.v1.Templates</c>.</summary>
internal static class TemplatesCommands
{
    public static Command Create(CliApp app)
    {
        var templates = new Command("templates", "Message templates (Handlebars subject, HTML and text parts): save, preview for a contact, test-send");
        var json = new Option<bool>("--json") { Description = "Print JSON (one object; one per line for lists)", Recursive = true };
        templates.Add(json);
        templates.Add(SaveCommand(app, json));
        templates.Add(GetCommand(app, json));
        templates.Add(ListCommand(app, json));
        templates.Add(DeleteCommand(app));
        templates.Add(PreviewCommand(app, json));
        templates.Add(TestSendCommand(app, json));
        return templates;
    }

    private static Command SaveCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Template name (letters, digits, '-', '_', '.')" };
        var subject = new Option<string>("--subject", "-s") { Description = "Subject template, e.g. 'Hello {{default first_name \"there\"}}'", Required = true };
        var html = new Option<FileInfo?>("--html") { Description = "File with the HTML part template" };
        var text = new Option<FileInfo?>("--text") { Description = "File with the text part template (generated from the HTML when absent)" };
        var locale = new Option<string?>("--locale") { Description = "Locale for dates and numbers when the contact has none (default en-US)" };
        var description = new Option<string?>("--description") { Description = "What the template is for" };
        var replace = new Option<bool>("--replace") { Description = "Save a new version of an existing template" };
        var command = new Command("save", "Compile and save a template; compile errors are printed with part, line and column")
        {
            name, subject, html, text, locale, description, replace,
        };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var htmlFile = parse.GetValue(html);
            var textFile = parse.GetValue(text);
            if (htmlFile is null && textFile is null)
            {
                throw new CliException("give --html FILE, --text FILE or both");
            }

            var request = new SaveTemplateRequest
            {
                Name = parse.GetValue(name)!, Subject = parse.GetValue(subject)!, Locale = parse.GetValue(locale) ?? "",
                Description = parse.GetValue(description) ?? "", Replace = parse.GetValue(replace),
                Html = htmlFile is null ? "" : await ReadAsync(htmlFile, ct), Text = textFile is null ? "" : await ReadAsync(textFile, ct),
            };
            Template saved;
            try
            {
                saved = await client.Templates.SaveAsync(request, options, ct);
            }
            catch (MailMeshRpcException e) when (TemplatesClient.Diagnostics(e) is { Count: > 0 } problems)
            {
                var files = new Dictionary<string, string> { ["subject"] = "--subject", ["html"] = htmlFile?.Name ?? "html", ["text"] = textFile?.Name ?? "text" };
                var lines = problems.Select(p => $"  {files.GetValueOrDefault(p.Part, p.Part)}:{p.Line}:{p.Column}: {p.Message}");
                throw new MailMeshRpcException(e.StatusCode, "the template does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, lines), e.Trailers, e);
            }

            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(saved) : $"saved {saved.Name} version {saved.Version}");
        }));
        return command;
    }

    private static Command GetCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Template name" };
        var command = new Command("get", "Show a template with its parts") { name };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var template = await client.Templates.GetAsync(new GetTemplateRequest { Name = parse.GetValue(name)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(template));
                return;
            }

            await app.Output.WriteLineAsync(Line(template));
            await app.Output.WriteLineAsync($"subject: {template.Subject}");
            await app.Output.WriteLineAsync($"updated: {Format.Time(template.UpdatedAt)}");
            await WritePartAsync(app, "html", template.Html);
            await WritePartAsync(app, "text", template.Text.Length > 0 ? template.Text : "(generated from the HTML)");
        }));
        return command;
    }

    private static Command ListCommand(CliApp app, Option<bool> json)
    {
        var command = new Command("list", "List the templates");
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var reply = await client.Templates.ListAsync(new ListTemplatesRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, reply.Templates);
                return;
            }

            foreach (var template in reply.Templates)
            {
                await app.Output.WriteLineAsync(Line(template));
            }
        }));
        return command;
    }

    private static Command DeleteCommand(CliApp app)
    {
        var name = new Argument<string>("name") { Description = "Template name" };
        var command = new Command("delete", "Delete a template") { name };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var reply = await client.Templates.DeleteAsync(new DeleteTemplateRequest { Name = parse.GetValue(name)! }, options, ct);
            await app.Output.WriteLineAsync(reply.Deleted ? $"deleted {parse.GetValue(name)}" : $"no template {parse.GetValue(name)}");
        }));
        return command;
    }

    private static Command PreviewCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Template name" };
        var contact = new Argument<string>("contact") { Description = "Address of the contact to render it for" };
        var mime = new Option<bool>("--mime") { Description = "Print the whole message as it would be sent (headers included, unsigned)" };
        var html = new Option<bool>("--html") { Description = "Print the HTML part too" };
        var command = new Command("preview", "Render a template for one contact") { name, contact, mime, html };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var preview = await client.Templates.PreviewAsync(new PreviewTemplateRequest { Name = parse.GetValue(name)!, Contact = parse.GetValue(contact)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(preview));
                return;
            }

            if (parse.GetValue(mime))
            {
                await app.Output.WriteAsync(preview.Mime);
                return;
            }

            await app.Output.WriteLineAsync($"subject: {preview.Subject}");
            if (preview.MissingFields.Count > 0)
            {
                await app.Output.WriteLineAsync($"missing fields: {string.Join(", ", preview.MissingFields)}");
            }

            if (parse.GetValue(html))
            {
                await WritePartAsync(app, "html", preview.Html);
            }

            await WritePartAsync(app, "text", preview.Text);
        }));
        return command;
    }

    private static Command TestSendCommand(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "Template name" };
        var to = new Argument<string[]>("to") { Description = "Addresses to send the test to (1-20)", Arity = ArgumentArity.OneOrMore };
        var contact = new Option<string?>("--contact") { Description = "Render for this contact (default: no contact data, defaults apply)" };
        var command = new Command("test-send", "Send a template to test addresses through the relay, \"[TEST]\" in the subject; exits 2 when one is refused")
        {
            name, to, contact,
        };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var request = new TestSendTemplateRequest { Name = parse.GetValue(name)!, Contact = parse.GetValue(contact) ?? "" };
            request.To.AddRange(parse.GetValue(to)!);
            var reply = await client.Templates.TestSendAsync(request, options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, reply.Outcomes);
            }
            else
            {
                foreach (var outcome in reply.Outcomes)
                {
                    var code = outcome.Code.ToString(CultureInfo.InvariantCulture);
                    await app.Output.WriteLineAsync($"{outcome.Address}\t{(outcome.Accepted ? "accepted" : "refused")}\t{code} {outcome.Reply}");
                }
            }

            var refused = reply.Outcomes.Count(o => !o.Accepted);
            if (refused > 0)
            {
                throw new CliException($"the relay refused {refused} of {reply.Outcomes.Count} test addresses");
            }
        }));
        return command;
    }

    private static async Task<string> ReadAsync(FileInfo file, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new CliException($"{file.FullName} does not exist");
        }

        return await File.ReadAllTextAsync(file.FullName, ct);
    }

    private static async Task WritePartAsync(CliApp app, string label, string content)
    {
        if (content.Length == 0)
        {
            return;
        }

        await app.Output.WriteLineAsync($"--- {label}");
        await app.Output.WriteLineAsync(content.TrimEnd());
    }

    private static string Line(Template t) =>
        $"{t.Name}\tv{t.Version.ToString(CultureInfo.InvariantCulture)}\t{t.Locale}\t{t.Subject}" + (t.Description.Length > 0 ? $"\t({t.Description})" : "");
}
