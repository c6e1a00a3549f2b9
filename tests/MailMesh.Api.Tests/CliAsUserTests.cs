using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Cli;
using MailMesh.Testing;

namespace MailMesh.Api.Tests;

/// <summary><c>--as-user</c> on the mailbox, messages, sharing and rules commands, and <c>sharing send</c>.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class CliAsUserTests(MailboxApiHost host)
{
    [Fact]
    public async Task Cli_AsUser_CallsAreCheckedAndAuditedAsThatUser()
    {
        var (_, admin) = await host.NewTenantAsync("cli-as-user");
        await Run(admin, "mailbox", "create", "desk", "--display-name", "Desk");
        await Run(admin, "sharing", "members", "set", "desk", "rita@team.test", "--access", "read-only");

        var readerGets = await Run(admin, "mailbox", "get", "desk", "--as-user", "rita@team.test");
        var readerRules = await Run(admin, "rules", "list", "desk", "--as-user", "rita@team.test");
        var readerUpdates = await Run(admin, "mailbox", "update", "desk", "--display-name", "Mine", "--as-user", "rita@team.test");
        var readerMembers = await Run(admin, "sharing", "members", "list", "desk", "--as-user", "rita@team.test");
        var readerMessages = await Run(admin, "messages", "list", "desk", "--as-user", "rita@team.test");
        var stranger = await Run(admin, "mailbox", "get", "desk", "--as-user", "zed@team.test");
        var blank = await Run(admin, "mailbox", "get", "desk", "--as-user", " ");
        var audit = await Run(admin, "sharing", "audit", "list", "desk", "--json");

        Assert.True(readerGets.Code == 0, readerGets.Err);
        Assert.True(readerRules.Code == 0, readerRules.Err);
        Assert.Equal(1, readerUpdates.Code);
        Assert.Contains("rita@team.test", readerUpdates.Err, StringComparison.Ordinal);
        Assert.Contains("needs full", readerUpdates.Err, StringComparison.Ordinal);
        Assert.Equal(1, readerMembers.Code);
        Assert.Contains("permission denied", readerMembers.Err, StringComparison.Ordinal);
        Assert.NotEqual(2, readerMessages.Code);
        Assert.Equal(1, stranger.Code);
        Assert.Contains("not a member", stranger.Err, StringComparison.Ordinal);
        Assert.Equal(2, blank.Code);
        Assert.Contains("--as-user", blank.Err, StringComparison.Ordinal);
        Assert.Equal(0, audit.Code);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task Cli_SharingSend_SendAsMemberSendsReadOnlyIsDenied()
    {
        var (_, admin) = await host.NewTenantAsync("cli-send");
        var tag = Guid.NewGuid().ToString("N")[..10];
        await Run(admin, "mailbox", "create", "desk", "--display-name", "Desk", "--address", $"desk-{tag}@team.example");
        await Run(admin, "sharing", "members", "set", "desk", "sam@team.test", "--access", "send-as");
        await Run(admin, "sharing", "members", "set", "desk", "rita@team.test", "--access", "read-only");

        var sent = await Run(admin, "sharing", "send", "desk", "--to", "client@example.org", "--subject", $"Hello {tag}", "--text", "Hi", "--as-user", "sam@team.test");
        var denied = await Run(admin, "sharing", "send", "desk", "--to", "client@example.org", "--text", "Hi", "--as-user", "rita@team.test");
        var audit = await Run(admin, "sharing", "audit", "list", "desk", "--action", "message.sent", "--json");

        Assert.True(sent.Code == 0, sent.Err);
        Assert.Contains("sent <", sent.Out, StringComparison.Ordinal);
        Assert.Contains("client@example.org", sent.Out, StringComparison.Ordinal);
        Assert.Equal(1, denied.Code);
        Assert.Contains("permission denied", denied.Err, StringComparison.Ordinal);
        Assert.Contains("sam@team.test", audit.Out, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Out, string Err)> Run(string key, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = host.Address.ToString(), ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }
}
