using MailMesh.Runtime;

namespace MailMesh.Api.Tenants;

/// <summary>One tenant and its API keys, keyed <c>tenant/_tenant</c>. Key secrets never reach it: only their SHA-256.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant; throws <see cref="TenantAlreadyExistsException"/> when it exists.</summary>
    Task<TenantInfo> Create(string displayName);

    /// <summary>The tenant, or null when it was never created.</summary>
    [ReadOnly]
    Task<TenantInfo?> Get();

    /// <summary>Stores a new key (its id and secret hash are chosen by the caller).</summary>
    Task<ApiKeyInfo> CreateKey(NewApiKey key);

    /// <summary>The tenant's keys, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<ApiKeyInfo>> ListKeys(bool includeRevoked);

    /// <summary>Revokes a key; throws <see cref="ApiKeyNotFoundException"/> or <see cref="ApiKeyAlreadyRevokedException"/>.</summary>
    Task<ApiKeyInfo> RevokeKey(string keyId);

    /// <summary>The active key whose secret hashes to <paramref name="secretHash"/>, or null.</summary>
    [ReadOnly]
    Task<ApiKeyInfo?> Authenticate(string keyId, byte[] secretHash);
}

/// <summary>The list of tenant ids, keyed <c>system/tenants</c>.</summary>
public interface ITenantDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Records a tenant id (idempotent).</summary>
    Task Register(string tenantId);

    /// <summary>All tenant ids in ordinal order.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> List();
}

/// <summary>A tenant as stored.</summary>
[Immutable]
public sealed record TenantInfo(string Id, string DisplayName, DateTimeOffset CreatedAt);

/// <summary>A key to create.</summary>
[Immutable]
public sealed record NewApiKey(string Id, string Name, IReadOnlyList<string> Scopes, byte[] SecretHash);

/// <summary>A key as stored, without its hash.</summary>
[Immutable]
public sealed record ApiKeyInfo(string Id, string Tenant, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>The tenant exists already.</summary>
public sealed class TenantAlreadyExistsException(string tenant) : InvalidOperationException($"Tenant '{tenant}' already exists.")
{
    /// <summary>The tenant id.</summary>
    public string Tenant { get; } = tenant;
}

/// <summary>The tenant has no key with that id.</summary>
public sealed class ApiKeyNotFoundException(string keyId) : InvalidOperationException($"API key '{keyId}' does not exist in this tenant.")
{
    /// <summary>The key id.</summary>
    public string KeyId { get; } = keyId;
}

/// <summary>The key was revoked before.</summary>
public sealed class ApiKeyAlreadyRevokedException(string keyId) : InvalidOperationException($"API key '{keyId}' is already revoked.")
{
    /// <summary>The key id.</summary>
    public string KeyId { get; } = keyId;
}

/// <summary>The tenant was never created.</summary>
public sealed class TenantNotFoundException(string tenant) : InvalidOperationException($"Tenant '{tenant}' does not exist.")
{
    /// <summary>The tenant id.</summary>
    public string Tenant { get; } = tenant;
}
