using MailMesh.Api.V1;
using MailMesh.Grpc;

namespace MailMesh.Api.Authentication;

/// <summary>Who is calling: the tenant and key the API key belongs to, and what the key may do.</summary>
public sealed record Caller(string Tenant, string KeyId, IReadOnlyList<string> Scopes)
{
    /// <summary>Throws PERMISSION_DENIED unless the key grants <paramref name="scope"/>.</summary>
    public Caller Require(string scope)
    {
        if (!ApiScopes.Grants(Scopes, scope))
        {
            throw new RpcException(StatusCode.PermissionDenied, $"the API key {KeyId} lacks the scope '{scope}'");
        }

        return this;
    }
}
