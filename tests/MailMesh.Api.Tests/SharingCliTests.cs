using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Cli;

namespace MailMesh.Api.Tests;

/// <summary>The <c>mailmesh sharing</c> commands against the API.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class SharingCliTests(MailboxApiHost host)
{
    [Fact]
    public async Task Cli_MembersConversationSlaAudit_WorkAgainstTheServer()
    {
        var (_, admin) = await host.NewTenantAsync("cli-sharing");
        await Run(admin, "mailbox", "create", "support", "--display-name", "Support");

        var set = await Run(admin, "sharing", "members", "set", "support", "ann@team.test", "--access", "send-as");
        var members = await Run(admin, "sharing", "members", "list", "support", "--json");
        var update = await Run(admin, "sharing", "conversation", "update", "support", "c-1@x.test", "--status", "pending", "--assign", "ann@team.test");
        var note = await Run(admin, "sharing", "conversation", "note", "support", "c-1@x.test", "Waiting for the customer");
        var shown = await Run(admin, "sharing", "conversation", "get", "support", "c-1@x.test");
        var sla = await Run(admin, "sharing", "sla", "support", "--first-response-minutes", "60");
        var audit = await Run(admin, "sharing", "audit", "list", "support", "--action", "conversation", "--json");
        var verify = await Run(admin, "sharing", "audit", "verify", "support");
        var badLevel = await Run(admin, "sharing", "members", "set", "support", "bob@team.test", "--access", "owner");

        Assert.True(set.Code == 0, set.Err);
        Assert.Contains("ann@team.test: send-as", set.Out, StringComparison.Ordinal);
        Assert.Contains("\"access\": \"ACCESS_LEVEL_SEND_AS\"", members.Out, StringComparison.Ordinal);
        Assert.Contains("c-1@x.test: pending, assignee ann@team.test", update.Out, StringComparison.Ordinal);
        Assert.Contains("note #1 added", note.Out, StringComparison.Ordinal);
        Assert.Contains("Waiting for the customer", shown.Out, StringComparison.Ordinal);
        Assert.Contains("first response within 60 minutes", sla.Out, StringComparison.Ordinal);
        Assert.Equal(3, audit.Out.Trim().Split('\n').Length);
        Assert.Contains("valid:", verify.Out, StringComparison.Ordinal);
        Assert.Equal(0, verify.Code);
        Assert.Equal(1, badLevel.Code);
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
