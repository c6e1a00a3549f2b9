using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Api.Tests;

public sealed class AuthorizationTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private static async Task<MailMeshRpcException> Fails(Func<Task> call) => await Assert.ThrowsAsync<MailMeshRpcException>(call);

    [Fact]
    public async Task Bootstrap_FirstStart_WritesAnOperatorAdminKeyThatWorks()
    {
        using var client = fixture.Host.Client(fixture.Host.OperatorKey);

        var status = await client.Status.GetAsync(new GetStatusRequest());

        Assert.Equal("system", status.Tenant);
        Assert.Equal(["admin"], status.Scopes);
        Assert.Contains(fixture.Host.Logs.Entries, e => e.EventId == 4101 && e.Message.Contains(fixture.Host.OperatorKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnyCall_WithoutKey_IsUnauthenticated()
    {
        using var client = fixture.Host.Client(null);

        var e = await Fails(() => client.Status.GetAsync(new GetStatusRequest()));

        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("authorization: Bearer", e.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("mm_acme_k0123456789abcdef_short")]
    [InlineData("mm_ACME_k0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task AnyCall_MalformedKey_IsUnauthenticated(string key)
    {
        using var client = fixture.Host.Client(key);

        var e = await Fails(() => client.Mailboxes.ListAsync(new ListMailboxesRequest()));

        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("malformed", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCall_WrongSecret_IsUnauthenticated()
    {
        var (_, admin) = await fixture.NewTenantAsync("wrong");
        var forged = admin[..^4] + (admin[^4..] == "AAAA" ? "BBBB" : "AAAA");
        using var client = fixture.Host.Client(forged);

        var e = await Fails(() => client.Status.GetAsync(new GetStatusRequest()));

        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task RevokeApiKey_RevokedKey_IsUnauthenticatedFromThenOn()
    {
        var (_, admin) = await fixture.NewTenantAsync("revoke");
        var key = await fixture.NewKeyAsync(admin, ApiScopes.MailboxesRead);
        using var adminClient = fixture.Host.Client(admin);
        using var keyClient = fixture.Host.Client(key);
        var keyId = (await keyClient.Status.GetAsync(new GetStatusRequest())).KeyId;

        var revoked = await adminClient.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId });
        var e = await Fails(() => keyClient.Mailboxes.ListAsync(new ListMailboxesRequest()));
        var again = await Fails(() => adminClient.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }));
        var listed = await adminClient.Admin.ListApiKeysAsync(new ListApiKeysRequest { IncludeRevoked = true });
        var active = await adminClient.Admin.ListApiKeysAsync(new ListApiKeysRequest());

        Assert.NotNull(revoked.RevokedAt);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Contains(listed.Keys, k => k.Id == keyId && k.RevokedAt is not null);
        Assert.DoesNotContain(active.Keys, k => k.Id == keyId);
    }

    [Fact]
    public async Task Scopes_KeyWithoutScope_IsPermissionDeniedAndWildcardGrantsArea()
    {
        var (_, admin) = await fixture.NewTenantAsync("scopes");
        using var reader = fixture.Host.Client(await fixture.NewKeyAsync(admin, ApiScopes.MailboxesRead));
        using var writer = fixture.Host.Client(await fixture.NewKeyAsync(admin, "mailboxes:*"));

        var denied = await Fails(() => reader.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "x", DisplayName = "X" }));
        var eventsDenied = await Fails(async () =>
        {
            await foreach (var _ in reader.Events.SubscribeAsync(new SubscribeRequest()))
            {
            }
        });
        var keysDenied = await Fails(() => reader.Admin.ListApiKeysAsync(new ListApiKeysRequest()));
        var created = await writer.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "x", DisplayName = "X" });

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("mailboxes:write", denied.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, eventsDenied.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, keysDenied.StatusCode);
        Assert.Equal("x", created.Name);
    }

    [Fact]
    public async Task CreateApiKey_UnknownOrNoScope_IsInvalidArgumentNamingScopes()
    {
        var (_, admin) = await fixture.NewTenantAsync("badscope");
        using var client = fixture.Host.Client(admin);

        var unknown = await Fails(() => client.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "k", Scopes = { "mailboxes:delete" } }));
        var none = await Fails(() => client.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "k" }));
        var noName = await Fails(() => client.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Scopes = { "admin" } }));

        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Contains("scopes", unknown.Detail, StringComparison.Ordinal);
        Assert.Contains("mailboxes:delete", unknown.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, none.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, noName.StatusCode);
        Assert.Contains("name", noName.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTenant_NonOperatorAdmin_IsPermissionDenied()
    {
        var (_, admin) = await fixture.NewTenantAsync("notop");
        using var client = fixture.Host.Client(admin);

        var e = await Fails(() => client.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = "evil", DisplayName = "Evil" }));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task CreateTenant_DuplicateOrBadId_IsAlreadyExistsOrInvalidArgument()
    {
        var (tenant, _) = await fixture.NewTenantAsync("dup");
        using var op = fixture.Host.Client(fixture.Host.OperatorKey);

        var duplicate = await Fails(() => op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = tenant, DisplayName = "Again" }));
        var bad = await Fails(() => op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = "Bad_Id", DisplayName = "Bad" }));
        var tenants = await op.Admin.ListTenantsAsync(new ListTenantsRequest());

        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("tenant_id", bad.Detail, StringComparison.Ordinal);
        Assert.Contains(tenants.Tenants, t => t.Id == tenant);
        Assert.Contains(tenants.Tenants, t => t.Id == "system");
    }

    [Fact]
    public async Task CrossTenant_KeyOfOneTenant_NeverReachesAnotherTenantsData()
    {
        var (a, adminA) = await fixture.NewTenantAsync("iso-a");
        var (b, adminB) = await fixture.NewTenantAsync("iso-b");
        using var clientA = fixture.Host.Client(adminA);
        using var clientB = fixture.Host.Client(adminB);
        await clientB.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "secret", DisplayName = "B's secret" });
        var bKeyId = (await clientB.Status.GetAsync(new GetStatusRequest())).KeyId;

        var get = await Fails(() => clientA.Mailboxes.GetAsync(new GetMailboxRequest { Name = "secret" }));
        var list = await clientA.Mailboxes.ListAsync(new ListMailboxesRequest());
        var revoke = await Fails(() => clientA.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = bKeyId }));
        var keys = await clientA.Admin.ListApiKeysAsync(new ListApiKeysRequest { IncludeRevoked = true });

        // A's secret presented as if it belonged to B: B's grain does not know it.
        var parts = adminA.Split('_', 4);
        using var forged = fixture.Host.Client($"mm_{b}_{parts[2]}_{parts[3]}");
        var forgedCall = await Fails(() => forged.Mailboxes.GetAsync(new GetMailboxRequest { Name = "secret" }));

        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Empty(list.Mailboxes);
        Assert.Equal(StatusCode.NotFound, revoke.StatusCode);
        Assert.All(keys.Keys, k => Assert.Equal(a, k.Tenant));
        Assert.Equal(StatusCode.Unauthenticated, forgedCall.StatusCode);
        Assert.Equal("B's secret", (await clientB.Mailboxes.GetAsync(new GetMailboxRequest { Name = "secret" })).DisplayName);
    }
}
