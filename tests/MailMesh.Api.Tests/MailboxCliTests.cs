using System.Text.Json;
using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Cli;
using MailMesh.Testing;

namespace MailMesh.Api.Tests;

/// <summary>The <c>mailmesh mailbox</c> and <c>mailmesh messages</c> commands against a silo syncing real Dovecot.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class MailboxCliTests(MailboxApiHost host)
{
    [ServerFact(Server.Dovecot)]
    public async Task Cli_SourceSyncListFlagMoveDelete_WorkAgainstDovecot()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        var done = folder + "-done";
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.CreateMailboxAsync(done);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Order 17 shipped", "shop@store.test", "Mon, 02 Nov 2026 09:00:00 +0000", "Your order is on its way."));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Lunch?", "amy@work.test", "Tue, 03 Nov 2026 09:00:00 +0000", "Noon?"));
        var (_, admin) = await host.NewTenantAsync("cli-mail");
        var passwordFile = Path.Combine(host.Directory, $"{folder}.password");
        await File.WriteAllTextAsync(passwordFile, dovecot.User.Password + "\n");

        var created = await Run(admin, "mailbox", "create", "inbox", "--display-name", "Inbox");
        var set = await Run(admin, "mailbox", "source", "set", "inbox", "--protocol", "imap", "--host", TestServers.Dovecot.Host,
            "--port", TestServers.Dovecot.ImapPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls", "none",
            "--user", dovecot.User.Address, "--password-file", passwordFile, "--folder", folder, "--folder", done, "--no-idle", "--json");
        var sync = await Run(admin, "mailbox", "sync", "inbox", "--wait");
        var status = await Run(admin, "mailbox", "status", "inbox", "--json");
        var folders = await Run(admin, "mailbox", "folders", "inbox", "--json");
        var search = await Run(admin, "messages", "list", "inbox", "--subject", "order", "--json");
        var uid = JsonDocument.Parse(search.Out.Trim()).RootElement.GetProperty("uid").GetUInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var show = await Run(admin, "messages", "get", "inbox", folder, uid);
        var raw = await Run(admin, "messages", "raw", "inbox", folder, uid);
        var flags = await Run(admin, "messages", "flags", "inbox", folder, uid, "--add", "\\Flagged");
        var flagged = await Run(admin, "messages", "list", "inbox", "--flag", "\\Flagged", "--json");
        var move = await Run(admin, "messages", "move", "inbox", folder, uid, done);
        var inDone = await Run(admin, "messages", "list", "inbox", "--folder", done, "--json");
        var badDate = await Run(admin, "messages", "list", "inbox", "--since", "yesterday-ish");
        var refused = await Run(admin, "mailbox", "delete", "inbox");
        var deleted = await Run(admin, "mailbox", "delete", "inbox", "--yes");
        var gone = await Run(admin, "mailbox", "status", "inbox");

        Assert.Equal(0, created.Code);
        Assert.True(set.Code == 0, set.Err);
        Assert.DoesNotContain(dovecot.User.Password, set.Out, StringComparison.Ordinal);
        Assert.True(sync.Code == 0, sync.Err);
        Assert.Contains("inbox: 2 messages in 2 folders; last run succeeded", sync.Out, StringComparison.Ordinal);
        Assert.Equal("2", JsonDocument.Parse(status.Out).RootElement.GetProperty("messageCount").GetString()); // protobuf JSON writes int64 as a string
        Assert.Equal(2, folders.Out.Trim().Split('\n').Length);
        Assert.Contains("Order 17 shipped", search.Out, StringComparison.Ordinal);
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("text/plain", show.Out, StringComparison.Ordinal);
        Assert.Contains("Your order is on its way.", show.Out, StringComparison.Ordinal);
        Assert.Contains("Subject: Order 17 shipped\r\n", raw.Out, StringComparison.Ordinal);
        Assert.Contains("\\Flagged", flags.Out, StringComparison.Ordinal);
        Assert.Contains("Order 17 shipped", flagged.Out, StringComparison.Ordinal);
        Assert.True(move.Code == 0, move.Err);
        Assert.Contains("Order 17 shipped", inDone.Out, StringComparison.Ordinal);
        Assert.Equal(2, badDate.Code);
        Assert.Contains("--since", badDate.Err, StringComparison.Ordinal);
        Assert.Equal(2, refused.Code);
        Assert.Contains("--yes", refused.Err, StringComparison.Ordinal);
        Assert.Equal(0, deleted.Code);
        Assert.Equal(1, gone.Code);
        Assert.Contains("NotFound", gone.Err, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Out, string Err)> Run(string key, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = host.Address.ToString(), ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync([.. args, "--timeout", "60"]);
        return (code, output.ToString(), error.ToString());
    }
}
