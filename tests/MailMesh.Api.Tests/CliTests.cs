using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Cli;

namespace MailMesh.Api.Tests;

public sealed class CliTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private async Task<(int Code, string Out, string Err)> Run(string key, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = fixture.Host.Address.ToString(), ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Cli_KeysMailboxesAndStatus_WorkAgainstTheServer()
    {
        var (tenant, admin) = await fixture.NewTenantAsync("cli");

        var key = await Run(admin, "keys", "create", "--name", "ops", "--scope", "mailboxes:*", "--scope", "events:read");
        var opsKey = key.Out.Trim().Split('\n')[^1].Trim();
        var created = await Run(opsKey, "mailbox", "create", "support", "--display-name", "Support", "--json");
        var got = await Run(opsKey, "mailbox", "get", "support", "--json");
        var status = await Run(opsKey, "status", "--json");
        var denied = await Run(opsKey, "keys", "list");
        var missing = await Run(opsKey, "mailbox", "get", "ghost");

        Assert.Equal(0, key.Code);
        Assert.StartsWith($"mm_{tenant}_", opsKey, StringComparison.Ordinal);
        Assert.Equal(0, created.Code);
        Assert.Contains("\"displayName\": \"Support\"", got.Out, StringComparison.Ordinal);
        Assert.Contains($"\"tenant\": \"{tenant}\"", status.Out, StringComparison.Ordinal);
        Assert.Equal(1, denied.Code);
        Assert.Contains("permission denied", denied.Err, StringComparison.Ordinal);
        Assert.Equal(1, missing.Code);
        Assert.Contains("NotFound", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_BadUrl_ExitsTwoNamingTheSource()
    {
        var result = await Run("k", "status", "--url", "ftp://x");

        Assert.Equal(2, result.Code);
        Assert.Contains("--url", result.Err, StringComparison.Ordinal);
    }
}
