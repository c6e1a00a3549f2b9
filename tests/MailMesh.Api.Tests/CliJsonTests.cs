using System.Text.Json;
using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Cli;

namespace MailMesh.Api.Tests;

/// <summary><c>--json</c> on the CLI's tenant, key and status commands, and human output by default.</summary>
public sealed class CliJsonTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private async Task<(int Code, string Out, string Err)> Run(string key, params string[] args)
    {
        var env = new Dictionary<string, string?>
        {
            ["MAILMESH_URL"] = fixture.Host.Address.ToString(), ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json",
        };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }

    private static List<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    private static JsonElement JsonObject(string output)
    {
        var lines = JsonLines(output);
        Assert.True(lines.Count == 1, $"expected one JSON object, got {lines.Count} lines: {output}");
        return lines[0];
    }

    [Fact]
    public async Task TenantsList_Json_PrintsOneTenantObjectPerLine()
    {
        var (tenant, _) = await fixture.NewTenantAsync("json-list");

        var result = await Run(fixture.Host.OperatorKey, "tenants", "list", "--json");

        Assert.Equal(0, result.Code);
        var tenants = JsonLines(result.Out);
        var mine = Assert.Single(tenants, t => t.GetProperty("id").GetString() == tenant);
        Assert.Equal($"Tenant {tenant}", mine.GetProperty("displayName").GetString());
        Assert.True(mine.TryGetProperty("createdAt", out _), "the tenant's creation time is printed");
        Assert.Contains(tenants, t => t.GetProperty("id").GetString() == "system");
    }

    [Fact]
    public async Task TenantsList_Default_PrintsATableNotJson()
    {
        var (tenant, _) = await fixture.NewTenantAsync("human-list");

        var result = await Run(fixture.Host.OperatorKey, "tenants", "list");

        Assert.Equal(0, result.Code);
        Assert.Contains(tenant, result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("{", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantsCreate_Json_PrintsTenantAndAdminKeyThatWorks()
    {
        var created = await Run(fixture.Host.OperatorKey, "tenants", "create", "json-made", "--display-name", "Made by JSON", "--json");

        Assert.Equal(0, created.Code);
        var response = JsonObject(created.Out);
        Assert.Equal("json-made", response.GetProperty("tenant").GetProperty("id").GetString());
        var secret = response.GetProperty("adminKey").GetProperty("secret").GetString()!;
        var status = await Run(secret, "status", "--json");
        Assert.Equal(0, status.Code);
        Assert.Equal("json-made", JsonObject(status.Out).GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task Keys_CreateListRevokeJson_PrintJsonThatRoundTrips()
    {
        var (tenant, admin) = await fixture.NewTenantAsync("json-keys");

        var created = await Run(admin, "keys", "create", "--name", "reader", "--scope", "mailboxes:read", "--json");
        var key = JsonObject(created.Out).GetProperty("created");
        var id = key.GetProperty("key").GetProperty("id").GetString()!;
        var listed = await Run(admin, "keys", "list", "--json");
        var revoked = await Run(admin, "keys", "revoke", id, "--json");
        var active = await Run(admin, "keys", "list", "--json");
        var all = await Run(admin, "keys", "list", "--all", "--json");

        Assert.Equal(0, created.Code);
        Assert.StartsWith($"mm_{tenant}_{id}_", key.GetProperty("secret").GetString(), StringComparison.Ordinal);
        Assert.Equal(["mailboxes:read"], key.GetProperty("key").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(0, listed.Code);
        Assert.Contains(JsonLines(listed.Out), k => k.GetProperty("id").GetString() == id && k.GetProperty("name").GetString() == "reader");
        Assert.DoesNotContain("secret", listed.Out, StringComparison.Ordinal);
        Assert.Equal(0, revoked.Code);
        Assert.Equal(id, JsonObject(revoked.Out).GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.String, JsonObject(revoked.Out).GetProperty("revokedAt").ValueKind);
        Assert.DoesNotContain(JsonLines(active.Out), k => k.GetProperty("id").GetString() == id);
        Assert.Contains(JsonLines(all.Out), k => k.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task KeysList_NoOtherKeysJson_PrintsOnlyTheAdminKey()
    {
        var (_, admin) = await fixture.NewTenantAsync("json-one");

        var result = await Run(admin, "keys", "list", "--json");

        Assert.Equal(0, result.Code);
        var key = Assert.Single(JsonLines(result.Out));
        Assert.Contains("admin", key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("tenants", "list")]
    [InlineData("tenants", "create")]
    [InlineData("keys", "list")]
    [InlineData("keys", "create")]
    [InlineData("keys", "revoke")]
    [InlineData("mailbox", "get")]
    [InlineData("mailbox", "list")]
    [InlineData("events", "tail")]
    public async Task Help_EveryShowOrListCommand_OffersJson(params string[] command)
    {
        var result = await Run("unused", [.. command, "--help"]);

        Assert.Equal(0, result.Code);
        Assert.Contains("--json", result.Out, StringComparison.Ordinal);
    }
}
