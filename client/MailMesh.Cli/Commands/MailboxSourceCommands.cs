using System.CommandLine;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailbox source set|get|remove</c>, <c>mailbox sync</c>, <c>mailbox status</c>, <c>mailbox folders</c>.</summary>
internal static class MailboxSourceCommands
{
    public static void AddTo(Command mailbox, CliApp app, Option<bool> json)
    {
        var source = new Command("source", "Set, show or remove a mailbox's IMAP/POP3 source");
        source.Add(Set(app, json));
        source.Add(Get(app, json));
        source.Add(Remove(app, json));
        mailbox.Add(source);
        mailbox.Add(Sync(app, json));
        mailbox.Add(Status(app, json));
        mailbox.Add(Folders(app, json));
    }

    private static Command Set(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var protocol = new Option<string>("--protocol") { Description = "imap or pop3", Required = true };
        protocol.AcceptOnlyFromAmong("imap", "pop3");
        var host = new Option<string>("--host") { Description = "Server host name or address", Required = true };
        var port = new Option<int>("--port") { Description = "Port (default: the protocol's)" };
        var tls = new Option<string>("--tls") { Description = "implicit, starttls or none", DefaultValueFactory = _ => "implicit" };
        tls.AcceptOnlyFromAmong("implicit", "starttls", "none");
        var user = new Option<string>("--user") { Description = "Login name", Required = true };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "Read the password from this file (first line)" };
        var passwordEnv = new Option<string?>("--password-env") { Description = "Read the password from this environment variable" };
        var oauthEnv = new Option<string?>("--oauth-token-env") { Description = "Read an XOAUTH2 token from this environment variable (IMAP)" };
        var trust = new Option<string?>("--trust-certificate") { Description = "SHA-256 thumbprint or PEM file of a self-signed server certificate" };
        var folders = new Option<string[]>("--folder") { Description = "IMAP folder (or LIST pattern) to sync; repeat; default all", AllowMultipleArgumentsPerToken = false };
        var poll = new Option<int>("--poll-seconds") { Description = "Poll interval in seconds (default 300)" };
        var leave = new Option<bool>("--leave-on-server") { Description = "POP3: keep messages on the server" };
        var deleteAfter = new Option<int>("--delete-after-days") { Description = "POP3 with --leave-on-server: delete after this many days" };
        var noIdle = new Option<bool>("--no-idle") { Description = "IMAP: poll only, no IDLE" };
        var set = new Command("set", "Set or replace the source (without a password: keep the stored one of the same account)")
        {
            name, protocol, host, port, tls, user, passwordFile, passwordEnv, oauthEnv, trust, folders, poll, leave, deleteAfter, noIdle,
        };
        set.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var request = new SetSourceRequest
            {
                Name = parse.GetValue(name)!,
                Protocol = parse.GetValue(protocol) == "pop3" ? SourceProtocol.Pop3 : SourceProtocol.Imap,
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Tls = parse.GetValue(tls) switch { "starttls" => SourceTls.Starttls, "none" => SourceTls.None, _ => SourceTls.Implicit },
                UserName = parse.GetValue(user)!,
                PollIntervalSeconds = parse.GetValue(poll),
                Pop3LeaveOnServer = parse.GetValue(leave),
                Pop3DeleteAfterDays = parse.GetValue(deleteAfter),
                DisableIdle = parse.GetValue(noIdle),
            };
            request.Folders.AddRange(parse.GetValue(folders) ?? []);
            if (parse.GetValue(passwordFile) is { } file)
            {
                request.Password = (await File.ReadAllLinesAsync(file.FullName, ct)).FirstOrDefault() ?? "";
            }
            else if (parse.GetValue(passwordEnv) is { } variable)
            {
                request.Password = Environment.GetEnvironmentVariable(variable) ?? throw new CliException($"environment variable {variable} is not set");
            }

            if (parse.GetValue(oauthEnv) is { } oauthVariable)
            {
                request.OauthToken = Environment.GetEnvironmentVariable(oauthVariable) ?? throw new CliException($"environment variable {oauthVariable} is not set");
            }

            if (parse.GetValue(trust) is { } certificate)
            {
                request.TrustedCertificate = File.Exists(certificate) ? await File.ReadAllTextAsync(certificate, ct) : certificate;
            }

            await PrintSource(app, parse.GetValue(json), await client.Mailboxes.SetSourceAsync(request, options, ct));
        }));
        return set;
    }

    private static Command Get(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var get = new Command("get", "Show the source (never its secret)") { name };
        get.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
            await PrintSource(app, parse.GetValue(json), await client.Mailboxes.GetSourceAsync(new GetSourceRequest { Name = parse.GetValue(name)! }, options, ct))));
        return get;
    }

    private static Command Remove(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var remove = new Command("remove", "Remove the source and stop syncing (stored messages stay)") { name };
        remove.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            await client.Mailboxes.RemoveSourceAsync(new RemoveSourceRequest { Name = parse.GetValue(name)! }, options, ct);
            await app.Output.WriteLineAsync(parse.GetValue(json) ? "{}" : $"removed the source of {parse.GetValue(name)}");
        }));
        return remove;
    }

    private static Command Sync(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the run to end, showing its progress" };
        var sync = new Command("sync", "Start a sync run now") { name, wait };
        sync.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var mailbox = parse.GetValue(name)!;
            if (!parse.GetValue(wait))
            {
                var started = await client.Mailboxes.SyncAsync(new SyncRequest { Name = mailbox }, options, ct);
                await app.Output.WriteLineAsync(parse.GetValue(json) ? Format.ToJson(started) : $"sync of {mailbox} started");
                return;
            }

            SyncStatus final;
            if (parse.GetValue(json))
            {
                // One JSON status per poll, for scripts that show their own progress.
                final = await client.Mailboxes.SyncAndWaitAsync(mailbox, new Reporter(s => app.Output.WriteLine(Format.ToJson(s))), null, options, ct);
            }
            else
            {
                final = await app.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"sync {mailbox.EscapeMarkup()}", maxValue: 1);
                        var result = await client.Mailboxes.SyncAndWaitAsync(mailbox, new Reporter(s => Show(task, mailbox, s)), null, options, ct);
                        task.Value = task.MaxValue;
                        task.StopTask();
                        return result;
                    });
                await app.Output.WriteLineAsync(
                    $"{mailbox}: {final.MessageCount} messages in {final.FolderCount} folders; last run {(final.LastErrorKind == SyncErrorKind.None ? "succeeded" : "failed")}");
            }

            if (final.LastErrorKind != SyncErrorKind.None)
            {
                throw new MailMeshRpcException(StatusCode.Aborted, $"sync failed ({final.LastErrorKind}): {final.LastError}");
            }
        }));
        return sync;
    }

    private static void Show(ProgressTask task, string mailbox, SyncStatus status)
    {
        if (status.Progress is not { } p)
        {
            return;
        }

        task.MaxValue = Math.Max(1, p.MessagesKnown);
        task.Value = p.MessagesFetched;
        var folder = p.Folder.Length == 0 ? "" : $" {p.Folder}";
        task.Description = $"sync {mailbox}{folder} ({p.FoldersDone}/{p.FoldersTotal} folders, {p.MessagesFetched} new)".EscapeMarkup();
    }

    private static Command Status(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var status = new Command("status", "Show the sync status") { name };
        status.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var s = await client.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = parse.GetValue(name)! }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(s));
                return;
            }

            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("configured", s.Configured ? "yes" : "no");
            grid.AddRow("running", s.Running ? $"yes ({s.Progress?.MessagesFetched ?? 0} new so far)" : "no");
            grid.AddRow("messages", s.MessageCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            grid.AddRow("folders", s.FolderCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            grid.AddRow("last success", Format.Time(s.LastSuccessAt));
            grid.AddRow("last attempt", Format.Time(s.LastAttemptAt));
            grid.AddRow("last error", s.LastErrorKind == SyncErrorKind.None ? "" : $"{s.LastErrorKind}: {s.LastError}".EscapeMarkup());
            grid.AddRow("next retry", Format.Time(s.NextRetryAt));
            app.Console.Write(grid);
        }));
        return status;
    }

    private static Command Folders(CliApp app, Option<bool> json)
    {
        var name = new Argument<string>("name") { Description = "The mailbox name" };
        var folders = new Command("folders", "List the synced folders") { name };
        folders.SetAction((parse, ct) => app.WithClientAsUserAsync(parse, async (client, options) =>
        {
            var list = await client.Mailboxes.ListFoldersAsync(new ListFoldersRequest { Name = parse.GetValue(name)! }, options, ct);
            if (parse.GetValue(json))
            {
                foreach (var f in list.Folders)
                {
                    await app.Output.WriteLineAsync(Format.ToJson(f));
                }

                return;
            }

            var table = new Table().AddColumns("name", "id", "uidvalidity", "last uid");
            foreach (var f in list.Folders)
            {
                table.AddRow(f.Name.EscapeMarkup(), f.Id, f.UidValidity.ToString(System.Globalization.CultureInfo.InvariantCulture), f.LastUid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            app.Console.Write(table);
        }));
        return folders;
    }

    private static async Task PrintSource(CliApp app, bool json, MailboxSource s)
    {
        if (json)
        {
            await app.Output.WriteLineAsync(Format.ToJson(s));
            return;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("protocol", s.Protocol.ToString());
        grid.AddRow("server", $"{s.Host}:{s.Port}".EscapeMarkup());
        grid.AddRow("tls", s.Tls.ToString());
        grid.AddRow("user", s.UserName.EscapeMarkup());
        grid.AddRow("folders", s.Folders.Count == 0 ? "all" : string.Join(", ", s.Folders).EscapeMarkup());
        grid.AddRow("poll", $"{s.PollIntervalSeconds} s");
        app.Console.Write(grid);
    }

    /// <summary>Reports synchronously on the polling task (no synchronization context hop).</summary>
    private sealed class Reporter(Action<SyncStatus> report) : IProgress<SyncStatus>
    {
        public void Report(SyncStatus value) => report(value);
    }
}
