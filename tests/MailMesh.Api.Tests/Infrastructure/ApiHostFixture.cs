using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Api.Tests.Infrastructure;

public sealed class ApiHostFixture : IAsyncLifetime
{
    private int _tenants;

    public ApiTestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ApiTestHost.StartAsync(configure: o => o.SubscriberBufferSize = 4);

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Creates a fresh tenant through the operator key and returns its id and admin key.</summary>
    public async Task<(string Tenant, string AdminKey)> NewTenantAsync(string prefix)
    {
        var id = $"{prefix}-{Interlocked.Increment(ref _tenants)}";
        using var op = Host.Client(Host.OperatorKey);
        var created = await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = id, DisplayName = $"Tenant {id}" });
        return (id, created.AdminKey.Secret);
    }

    public async Task<string> NewKeyAsync(string adminKey, params string[] scopes)
    {
        using var admin = Host.Client(adminKey);
        var request = new CreateApiKeyRequest { Name = "test key" };
        request.Scopes.AddRange(scopes);
        return (await admin.Admin.CreateApiKeyAsync(request)).Created.Secret;
    }
}
