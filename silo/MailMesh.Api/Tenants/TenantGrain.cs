using System.Security.Cryptography;
using MailMesh.Runtime;

namespace MailMesh.Api.Tenants;

/// <summary>A tenant and its API keys. Events: <c>tenant.created</c>, <c>apikey.created</c>, <c>apikey.revoked</c>.</summary>
public sealed class TenantGrain([PersistentState("tenant")] IPersistentState<TenantState> state) : Grain, ITenantGrain
{
    /// <summary>Longest display name or key name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The grain key of <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/_tenant";

    /// <inheritdoc />
    public async Task<TenantInfo> Create(string displayName)
    {
        if (state.RecordExists)
        {
            throw new TenantAlreadyExistsException(GrainId.Tenant);
        }

        var name = CheckName(displayName, "display_name");
        state.State = new TenantState { DisplayName = name, CreatedAt = TimeProvider.GetUtcNow() };
        RaiseEvent("tenant.created", GrainId.Tenant, new { tenant = GrainId.Tenant, displayName = name });
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ITenantDirectoryGrain>(TenantDirectoryGrain.Key).Register(GrainId.Tenant);
        return Info();
    }

    /// <inheritdoc />
    public Task<TenantInfo?> Get() => Task.FromResult(state.RecordExists ? Info() : null);

    /// <inheritdoc />
    public async Task<ApiKeyInfo> CreateKey(NewApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireTenant();
        var record = new ApiKeyRecord
        {
            Id = key.Id,
            Name = CheckName(key.Name, "name"),
            Scopes = [.. key.Scopes],
            SecretHash = key.SecretHash,
            CreatedAt = TimeProvider.GetUtcNow(),
        };
        state.State.Keys.Add(record);
        RaiseEvent("apikey.created", GrainId.Tenant, new { keyId = record.Id, name = record.Name, scopes = record.Scopes });
        await state.WriteStateAsync();
        return ToInfo(record);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKeyInfo>> ListKeys(bool includeRevoked)
    {
        // Concrete collections: results are copied across the call boundary by their runtime type.
        IReadOnlyList<ApiKeyInfo> keys = state.State.Keys.Where(k => includeRevoked || k.RevokedAt is null).Select(ToInfo).ToList();
        return Task.FromResult(keys);
    }

    /// <inheritdoc />
    public async Task<ApiKeyInfo> RevokeKey(string keyId)
    {
        var record = state.State.Keys.FirstOrDefault(k => k.Id == keyId) ?? throw new ApiKeyNotFoundException(keyId);
        if (record.RevokedAt is not null)
        {
            throw new ApiKeyAlreadyRevokedException(keyId);
        }

        record.RevokedAt = TimeProvider.GetUtcNow();
        RaiseEvent("apikey.revoked", GrainId.Tenant, new { keyId });
        await state.WriteStateAsync();
        return ToInfo(record);
    }

    /// <inheritdoc />
    public Task<ApiKeyInfo?> Authenticate(string keyId, byte[] secretHash)
    {
        var record = state.State.Keys.FirstOrDefault(k => k.Id == keyId);
        var ok = record is { RevokedAt: null } && CryptographicOperations.FixedTimeEquals(record.SecretHash, secretHash);
        return Task.FromResult(ok ? ToInfo(record!) : null);
    }

    private void RequireTenant()
    {
        if (!state.RecordExists)
        {
            throw new TenantNotFoundException(GrainId.Tenant);
        }
    }

    private TenantInfo Info() => new(GrainId.Tenant, state.State.DisplayName, state.State.CreatedAt);

    private ApiKeyInfo ToInfo(ApiKeyRecord k) => new(k.Id, GrainId.Tenant, k.Name, k.Scopes.ToArray(), k.CreatedAt, k.RevokedAt);

    private static string CheckName(string? value, string field)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxNameLength || trimmed.Any(char.IsControl))
        {
            throw new ArgumentException($"{field} must be 1-{MaxNameLength} characters without control characters.", field);
        }

        return trimmed;
    }
}

/// <summary>The list of tenants.</summary>
public sealed class TenantDirectoryGrain([PersistentState("tenants")] IPersistentState<TenantDirectoryState> state) : Grain, ITenantDirectoryGrain
{
    /// <summary>The directory's grain key.</summary>
    public const string Key = "system/tenants";

    /// <inheritdoc />
    public async Task Register(string tenantId)
    {
        var ids = state.State.Ids;
        var index = ids.BinarySearch(tenantId, StringComparer.Ordinal);
        if (index < 0)
        {
            ids.Insert(~index, tenantId);
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>(state.State.Ids.ToArray());
}

/// <summary>What a tenant grain persists.</summary>
public sealed class TenantState
{
    /// <summary>Shown to people.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>When the tenant was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Its API keys, oldest first.</summary>
    public List<ApiKeyRecord> Keys { get; set; } = [];
}

/// <summary>One stored API key.</summary>
public sealed class ApiKeyRecord
{
    /// <summary>The key id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Its name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Granted scopes.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>SHA-256 of the secret.</summary>
    public byte[] SecretHash { get; set; } = [];

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was revoked, if it was.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>What the tenant directory persists.</summary>
public sealed class TenantDirectoryState
{
    /// <summary>Tenant ids in ordinal order.</summary>
    public List<string> Ids { get; set; } = [];
}
