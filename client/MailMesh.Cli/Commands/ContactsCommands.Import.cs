using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static partial class ContactsCommands
{
    private static Command ImportCommand(CliApp app, Option<bool> json)
    {
        var file = new Argument<FileInfo>("file") { Description = "A .csv or .xlsx file with a header row" };
        var format = new Option<string?>("--format") { Description = "csv or xlsx (default: from the file's extension)" };
        var map = new Option<string[]>("--map") { Description = "'Column header=target' (an attribute, email, lists, consent_at, consent_ip or ignore; repeat)" };
        var lists = new Option<string[]>("--list") { Description = "A list every imported contact joins (repeat)" };
        var consent = new Option<string?>("--consent") { Description = "Record a granted consent per row for this purpose ('*' or a list)" };
        var consentSource = new Option<string?>("--consent-source") { Description = "The consent's source (default import:<file name>)" };
        var consentForm = new Option<string?>("--consent-form") { Description = "The form or campaign the consent was collected with" };
        var ignoreUnknown = new Option<bool>("--ignore-unknown-columns") { Description = "Ignore columns that map to no attribute instead of failing" };
        var delimiter = new Option<string?>("--delimiter") { Description = "CSV separator (default: detected)" };
        var sheet = new Option<int>("--sheet") { Description = "XLSX sheet, 0-based (default 0)" };
        var id = new Option<string?>("--id") { Description = "Import id (lower-case letters, digits, '-'; default generated)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the file is uploaded and the import started" };
        var report = new Option<FileInfo?>("--issues-file") { Description = "Write the per-row errors and warnings to this CSV file" };
        var command = new Command("import", "Import contacts from a CSV or XLSX file, with a progress bar; prints the counts and the first issues")
        {
            file, format, map, lists, consent, consentSource, consentForm, ignoreUnknown, delimiter, sheet, id, noWait, report,
        };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"{path.FullName} does not exist");
            }

            var request = new CreateImportRequest
            {
                ImportId = parse.GetValue(id) ?? "", FileName = path.Name, Format = ImportFormatOf(parse.GetValue(format), path),
                Lists = { parse.GetValue(lists) ?? [] }, ConsentPurpose = parse.GetValue(consent) ?? "", ConsentSource = parse.GetValue(consentSource) ?? "",
                ConsentForm = parse.GetValue(consentForm) ?? "", IgnoreUnknownColumns = parse.GetValue(ignoreUnknown),
                Delimiter = parse.GetValue(delimiter) ?? "", Sheet = parse.GetValue(sheet),
            };
            foreach (var pair in parse.GetValue(map) ?? [])
            {
                var equals = pair.LastIndexOf('=');
                if (equals <= 0 || equals == pair.Length - 1)
                {
                    throw new CliException($"--map '{pair}' is not 'Column header=target'");
                }

                request.Mapping[pair[..equals]] = pair[(equals + 1)..];
            }

            var status = await RunImportAsync(app, client.Contacts(), request, path, !parse.GetValue(noWait), options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(status));
            }
            else
            {
                await app.Output.WriteLineAsync(Summary(status));
                await WriteIssuesAsync(app, client.Contacts(), status.ImportId, 20, options, ct);
            }

            if (parse.GetValue(report) is { } reportFile)
            {
                await WriteIssuesFileAsync(client.Contacts(), status.ImportId, reportFile, options, ct);
            }

            if (status.State == "failed")
            {
                throw new CliException($"import {status.ImportId} failed: {status.Error}");
            }
        }));
        return command;
    }

    private static Command ImportStatusCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "The import id" };
        var command = new Command("import-status", "Show the progress and counts of an import") { id };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var status = await client.Contacts().GetImportAsync(new GetImportRequest { ImportId = parse.GetValue(id)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(status) : Summary(status));
        }));
        return command;
    }

    private static Command ImportIssuesCommand(CliApp app, Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "The import id" };
        var limit = new Option<int>("--limit") { Description = "Most issues to show (default 1000)", DefaultValueFactory = _ => 1000 };
        var command = new Command("import-issues", "List the per-row errors and warnings of an import") { id, limit };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var issues = await client.Contacts().ListImportIssuesAsync(new ListImportIssuesRequest { ImportId = parse.GetValue(id)!, Limit = parse.GetValue(limit) }, options, ct);
            if (parse.GetValue(json))
            {
                await Format.WriteJsonLinesAsync(app.Output, issues.Issues);
                return;
            }

            foreach (var issue in issues.Issues)
            {
                await app.Output.WriteLineAsync(IssueLine(issue));
            }
        }));
        return command;
    }

    /// <summary>Uploads with a progress bar, then follows the rows until the import ends (unless not waiting).</summary>
    private static async Task<ImportStatus> RunImportAsync(
        CliApp app, ContactsClient contacts, CreateImportRequest request, FileInfo path, bool wait, CallOptions options, CancellationToken ct)
    {
        await using var stream = path.OpenRead();
        if (!app.Console.Profile.Capabilities.Interactive)
        {
            var started = await contacts.ImportFileAsync(request, stream, null, options, ct);
            return wait ? await FollowAsync(contacts, started, null, options, ct) : started;
        }

        ImportStatus? status = null;
        await app.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var upload = progress.AddTask("upload", maxValue: Math.Max(1, path.Length));
                status = await contacts.ImportFileAsync(request, stream, new Progress<long>(sent => upload.Value = sent), options, ct);
                upload.Value = upload.MaxValue;
                if (wait)
                {
                    var rows = progress.AddTask("rows").IsIndeterminate();
                    status = await FollowAsync(contacts, status, s => rows.Description = $"rows {s.RowsRead:N0} ({s.Created:N0} new, {s.Invalid:N0} refused)", options, ct);
                    rows.IsIndeterminate(false).Value = rows.MaxValue;
                }
            });
        return status!;
    }

    private static async Task<ImportStatus> FollowAsync(ContactsClient contacts, ImportStatus status, Action<ImportStatus>? report, CallOptions options, CancellationToken ct)
    {
        while (status.State is "running" or "uploading")
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            status = await contacts.GetImportAsync(new GetImportRequest { ImportId = status.ImportId }, options, ct);
            report?.Invoke(status);
        }

        return status;
    }

    private static async Task WriteIssuesAsync(CliApp app, ContactsClient contacts, string id, int limit, CallOptions options, CancellationToken ct)
    {
        var issues = await contacts.ListImportIssuesAsync(new ListImportIssuesRequest { ImportId = id, Limit = limit }, options, ct);
        foreach (var issue in issues.Issues)
        {
            await app.Output.WriteLineAsync(IssueLine(issue));
        }

        if (issues.Issues.Count == limit)
        {
            await app.Output.WriteLineAsync($"… more: mailmesh contacts import-issues {id}");
        }
    }

    private static async Task WriteIssuesFileAsync(ContactsClient contacts, string id, FileInfo file, CallOptions options, CancellationToken ct)
    {
        var issues = await contacts.ListImportIssuesAsync(new ListImportIssuesRequest { ImportId = id, Limit = 10_000 }, options, ct);
        await using var writer = new StreamWriter(file.FullName, append: false, new System.Text.UTF8Encoding(true));
        await writer.WriteLineAsync("row,column,severity,message,address");
        foreach (var i in issues.Issues)
        {
            await writer.WriteLineAsync(string.Join(',', i.Row.ToString(CultureInfo.InvariantCulture), Csv(i.Column), i.Severity, Csv(i.Message), Csv(i.Address)));
        }
    }

    private static string Csv(string value) => value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string IssueLine(ImportIssue i) =>
        $"row {i.Row}{(i.Column.Length > 0 ? $" [{i.Column}]" : "")} {i.Severity}: {i.Message}{(i.Address.Length > 0 ? $" ({i.Address})" : "")}";

    private static string Summary(ImportStatus s) =>
        $"import {s.ImportId} ({s.FileName}) {s.State}: {s.RowsRead:N0} rows, {s.Created:N0} created, {s.Updated:N0} updated, {s.Unchanged:N0} unchanged, "
        + $"{s.Invalid:N0} refused, {s.Merged:N0} merged, {s.NotMailable:N0} not mailable, {s.Warnings:N0} warnings"
        + (s.Error.Length > 0 ? $"; error: {s.Error}" : "");

    private static ImportFormat ImportFormatOf(string? given, FileInfo file) => (given ?? Path.GetExtension(file.Name).TrimStart('.')).ToLowerInvariant() switch
    {
        "csv" or "txt" or "tsv" => ImportFormat.Csv,
        "xlsx" => ImportFormat.Xlsx,
        var other => throw new CliException($"cannot tell the format of {file.Name} ('{other}'); give --format csv or --format xlsx"),
    };
}
