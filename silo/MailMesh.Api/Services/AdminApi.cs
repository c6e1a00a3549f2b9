using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.Hosting;
using MailMesh.Api.Internal;
using MailMesh.Api.Tenants;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Admin</c>: tenants (operator only) and the caller's tenant's keys.</summary>
internal sealed class AdminApi(ApiAuthenticator auth, IGrainFactory grains, IOptions<MailMeshApiOptions> options, ILogger<AdminApi> logger)
{
    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<CreateTenantRequest, CreateTenantResponse>("CreateTenant", CreateTenant)
        .MapUnary<ListTenantsRequest, ListTenantsResponse>("ListTenants", ListTenants)
        .MapUnary<CreateApiKeyRequest, CreateApiKeyResponse>("CreateApiKey", CreateApiKey)
        .MapUnary<ListApiKeysRequest, ListApiKeysResponse>("ListApiKeys", ListApiKeys)
        .MapUnary<RevokeApiKeyRequest, V1.ApiKey>("RevokeApiKey", RevokeApiKey);

    private async Task<CreateTenantResponse> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        await RequireOperator(context).ConfigureAwait(false);
        if (GrainKey.ValidateTenant(request.TenantId) is { } problem)
        {
            throw new InvalidArgumentException("tenant_id", problem);
        }

        var (tenant, key) = await CreateTenantWithAdminKey(grains, request.TenantId, request.DisplayName, "first admin key").ConfigureAwait(false);
        return new CreateTenantResponse { Tenant = ToProto(tenant), AdminKey = key };
    }

    private async Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        await RequireOperator(context).ConfigureAwait(false);
        var ids = await grains.GetGrain<ITenantDirectoryGrain>(TenantDirectoryGrain.Key).List().ConfigureAwait(false);
        var infos = await Task.WhenAll(ids.Select(id => grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(id)).Get())).ConfigureAwait(false);
        var response = new ListTenantsResponse();
        response.Tenants.AddRange(infos.OfType<TenantInfo>().Select(ToProto));
        return response;
    }

    private async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.Admin);
        CheckScopes(request.Scopes);
        var created = await CreateKey(grains, caller.Tenant, request.Name, request.Scopes).ConfigureAwait(false);
        Log.KeyCreated(logger, caller.KeyId, caller.Tenant, created.Key.Id);
        return new CreateApiKeyResponse { Created = created };
    }

    private async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.Admin);
        var keys = await grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(caller.Tenant)).ListKeys(request.IncludeRevoked).ConfigureAwait(false);
        var response = new ListApiKeysResponse();
        response.Keys.AddRange(keys.Select(ToProto));
        return response;
    }

    private async Task<V1.ApiKey> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.Admin);
        if (string.IsNullOrEmpty(request.KeyId))
        {
            throw new InvalidArgumentException("key_id", "must not be empty");
        }

        var tenant = grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(caller.Tenant));
        return ToProto(await GrainErrors.Call(() => tenant.RevokeKey(request.KeyId)).ConfigureAwait(false));
    }

    private async Task RequireOperator(ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.Admin);
        if (caller.Tenant != options.Value.OperatorTenant)
        {
            throw new RpcException(StatusCode.PermissionDenied, "only admin keys of the operator tenant may manage tenants");
        }
    }

    /// <summary>Creates a tenant and an admin key for it (used by the API and the first-start bootstrap).</summary>
    internal static async Task<(TenantInfo Tenant, CreatedApiKey Key)> CreateTenantWithAdminKey(
        IGrainFactory grains, string tenantId, string displayName, string keyName)
    {
        var tenant = await GrainErrors.Call(() => grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(tenantId)).Create(displayName)).ConfigureAwait(false);
        var key = await CreateKey(grains, tenantId, keyName, [ApiScopes.Admin]).ConfigureAwait(false);
        return (tenant, key);
    }

    private static async Task<CreatedApiKey> CreateKey(IGrainFactory grains, string tenant, string name, IEnumerable<string> scopes)
    {
        var (keyId, secret, hash) = ApiKeySecret.Generate(tenant);
        var grain = grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(tenant));
        var info = await GrainErrors.Call(() => grain.CreateKey(new NewApiKey(keyId, name, scopes.Distinct(StringComparer.Ordinal).ToArray(), hash)))
            .ConfigureAwait(false);
        return new CreatedApiKey { Key = ToProto(info), Secret = secret };
    }

    private static void CheckScopes(IReadOnlyCollection<string> scopes)
    {
        if (scopes.Count == 0)
        {
            throw new InvalidArgumentException("scopes", $"at least one scope is needed; known scopes: {string.Join(", ", ApiScopes.All)}");
        }

        foreach (var scope in scopes)
        {
            if (!ApiScopes.All.Contains(scope))
            {
                throw new InvalidArgumentException("scopes", $"unknown scope '{scope}'; known scopes: {string.Join(", ", ApiScopes.All)}");
            }
        }
    }

    private static Tenant ToProto(TenantInfo t) => new() { Id = t.Id, DisplayName = t.DisplayName, CreatedAt = Timestamp.FromDateTimeOffset(t.CreatedAt) };

    internal static V1.ApiKey ToProto(ApiKeyInfo k)
    {
        var key = new V1.ApiKey { Id = k.Id, Tenant = k.Tenant, Name = k.Name, CreatedAt = Timestamp.FromDateTimeOffset(k.CreatedAt) };
        key.Scopes.AddRange(k.Scopes);
        if (k.RevokedAt is { } revoked)
        {
            key.RevokedAt = Timestamp.FromDateTimeOffset(revoked);
        }

        return key;
    }
}
