using MailMesh.Api.Tenants;
using MailMesh.Grpc;
using MailMesh.Runtime;

namespace MailMesh.Api.Authentication;

/// <summary>Checks the <c>authorization: Bearer …</c> key of every call against its tenant's grain.</summary>
public sealed class ApiAuthenticator(IGrainFactory grains)
{
    /// <summary>The caller, or UNAUTHENTICATED saying what was wrong.</summary>
    public async Task<Caller> AuthenticateAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null)
        {
            throw new RpcException(StatusCode.Unauthenticated, "no API key: send the header 'authorization: Bearer <api key>'");
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(StatusCode.Unauthenticated, "the authorization header must be 'Bearer <api key>'");
        }

        if (!ApiKeySecret.TryParse(header[7..].Trim(), out var tenant, out var keyId, out var hash, out var problem))
        {
            throw new RpcException(StatusCode.Unauthenticated, problem);
        }

        var key = await grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(tenant)).Authenticate(keyId, hash).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Unauthenticated, "the API key is unknown or revoked");
        return new Caller(key.Tenant, key.Id, key.Scopes);
    }
}
