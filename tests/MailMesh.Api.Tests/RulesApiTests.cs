using System.Text;
using Google.Protobuf;
using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Api.Tests;

public sealed class RulesApiTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private const string Script = "require [\"fileinto\", \"vnd.mailmesh\"];\nif address :domain \"from\" \"example.org\" {\n  fileinto \"Partners\";\n  priority \"high\";\n}\n";

    private async Task<MailMeshClient> ClientWithMailboxAsync(string prefix)
    {
        var (_, admin) = await fixture.NewTenantAsync(prefix);
        var client = fixture.Host.Client(admin);
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "team", DisplayName = "Team" });
        return client;
    }

    [Fact]
    public async Task UploadListActivateGet_Versions_RoundTrip()
    {
        using var client = await ClientWithMailboxAsync("rules-versions");
        var rules = client.Rules();

        var first = await rules.UploadAsync(new UploadRulesRequest { Mailbox = "team", Script = "keep;\n", Activate = true, Comment = "start" });
        var second = await rules.UploadAsync(new UploadRulesRequest { Mailbox = "team", Script = Script, Activate = true });
        await rules.ActivateAsync(new ActivateRulesRequest { Mailbox = "team", Version = 1 });
        var list = await rules.ListAsync(new ListRuleVersionsRequest { Mailbox = "team" });
        var active = await rules.GetAsync(new GetRulesRequest { Mailbox = "team" });

        Assert.Equal((1, 2), (first.Info.Version, second.Info.Version));
        Assert.Equal([2, 1], list.Versions.Select(v => v.Version));
        Assert.True(list.Versions.Single(v => v.Version == 1).Active);
        Assert.Equal("keep;\n", active.Script);
        Assert.StartsWith("key:", first.Info.Author, StringComparison.Ordinal);
        var trail = await client.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "team" });
        Assert.Contains(trail.Entries, e => e.Action == "rules.script_activated");
    }

    [Fact]
    public async Task Upload_BadScript_InvalidArgumentWithLineAndColumn()
    {
        using var client = await ClientWithMailboxAsync("rules-bad");

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Rules().UploadAsync(
            new UploadRulesRequest { Mailbox = "team", Script = "require \"fileinto\";\nfileinto \"A\"\nkeep;\n" }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("line 3, column 1", e.Message, StringComparison.Ordinal);
        Assert.Empty((await client.Rules().ListAsync(new ListRuleVersionsRequest { Mailbox = "team" })).Versions);
    }

    [Fact]
    public async Task Validate_Script_ReturnsDiagnosticsWithPositions()
    {
        using var client = await ClientWithMailboxAsync("rules-validate");

        var bad = await client.Rules().ValidateAsync(new ValidateRulesRequest { Mailbox = "team", Script = "if header :is \"subject\" {\n  stop;\n}\n" });
        var good = await client.Rules().ValidateAsync(new ValidateRulesRequest { Mailbox = "team", Script = Script });

        Assert.False(bad.Valid);
        var error = bad.Diagnostics.First(d => d.Severity == "error");
        Assert.Equal(1, error.Line);
        Assert.True(good.Valid);
        Assert.Equal(["fileinto", "vnd.mailmesh"], good.RequiredExtensions);
    }

    [Fact]
    public async Task Test_RawMessageAgainstUnsavedScript_ReturnsActionsWithoutStoring()
    {
        using var client = await ClientWithMailboxAsync("rules-test");
        var raw = Encoding.ASCII.GetBytes("From: Ann <ann@example.org>\r\nTo: team@example.com\r\nSubject: Hi\r\n\r\nHello\r\n");

        var result = await client.Rules().TestAsync(new TestRulesRequest { Mailbox = "team", RawMessage = ByteString.CopyFrom(raw), Script = Script });

        Assert.Equal(["fileinto", "priority"], result.Actions.Select(a => a.Kind));
        Assert.Equal("Partners", result.Actions[0].Argument);
        Assert.Equal("high", result.Actions[1].Argument);
        Assert.Empty((await client.Rules().ListAsync(new ListRuleVersionsRequest { Mailbox = "team" })).Versions);
    }

    [Fact]
    public async Task Calls_UnknownMailboxOrVersion_NotFound()
    {
        using var client = await ClientWithMailboxAsync("rules-errors");

        var missing = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Rules().ListAsync(new ListRuleVersionsRequest { Mailbox = "nope" }));
        var noVersion = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Rules().ActivateAsync(new ActivateRulesRequest { Mailbox = "team", Version = 9 }));

        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(StatusCode.NotFound, noVersion.StatusCode);
    }
}
