using System.Security.Cryptography;
using MailMesh.Runtime;
using Microsoft.Extensions.Options;

namespace MailMesh.Relays.Webhooks;

/// <summary>Stores a tenant's webhook subscriptions; see <see cref="IWebhookSubscriptionsGrain"/>.</summary>
public sealed class WebhookSubscriptionsGrain(
    [PersistentState("webhooks")] IPersistentState<WebhookSubscriptionsState> state, IOptions<RelayOptions> options)
    : Grain, IWebhookSubscriptionsGrain
{
    /// <summary>The grain key of a tenant's subscriptions.</summary>
    public static string KeyFor(string tenant) => tenant + "/webhooks";

    private string Tenant => GrainId.Tenant;

    /// <inheritdoc />
    public async Task<WebhookSubscriptionInfo> Create(NewWebhookSubscription subscription, long position)
    {
        var max = options.Value.Webhooks.MaxSubscriptionsPerTenant;
        if (state.State.Subscriptions.Count >= max)
        {
            throw new InvalidOperationException($"the tenant has {max} webhook subscriptions, the most allowed (Relays:Webhooks:MaxSubscriptionsPerTenant)");
        }

        var stored = new StoredWebhookSubscription
        {
            Id = "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            Url = subscription.Url,
            EventTypes = [.. subscription.EventTypes],
            Description = subscription.Description,
            Secret = subscription.Secret,
            CreatedAt = TimeProvider.GetUtcNow(),
            Position = position,
        };
        state.State.Subscriptions.Add(stored);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IWebhookDirectoryGrain>(IWebhookDirectoryGrain.Key).Register(Tenant);
        return ToInfo(stored);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookSubscriptionInfo>> List() =>
        Task.FromResult<IReadOnlyList<WebhookSubscriptionInfo>>(state.State.Subscriptions.Select(ToInfo).ToArray());

    /// <inheritdoc />
    public async Task<bool> Delete(string subscriptionId)
    {
        if (state.State.Subscriptions.RemoveAll(s => s.Id == subscriptionId) == 0)
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async Task Advance(string subscriptionId, long sequence)
    {
        if (Find(subscriptionId) is { } subscription && sequence > subscription.Position)
        {
            subscription.Position = sequence;
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public async Task DeadLetter(string subscriptionId, WebhookDeadLetterInfo deadLetter)
    {
        if (Find(subscriptionId) is not { } subscription)
        {
            return;
        }

        var letters = subscription.DeadLetters;
        if (letters.All(d => d.EventId != deadLetter.EventId))
        {
            letters.Add(deadLetter);
            var max = options.Value.Webhooks.MaxDeadLetters;
            if (letters.Count > max)
            {
                // Bounded: the oldest go first (each was logged when it was given up).
                letters.RemoveRange(0, letters.Count - max);
            }
        }

        subscription.Position = Math.Max(subscription.Position, deadLetter.Sequence);
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDeadLetterInfo>?> ListDeadLetters(string subscriptionId) =>
        Task.FromResult<IReadOnlyList<WebhookDeadLetterInfo>?>(Find(subscriptionId)?.DeadLetters.ToArray());

    /// <inheritdoc />
    public async Task<int> QueueReplay(string subscriptionId, Guid? eventId)
    {
        if (Find(subscriptionId) is not { } subscription)
        {
            return -1;
        }

        var chosen = subscription.DeadLetters.Where(d => eventId is null || d.EventId == eventId).ToList();
        if (chosen.Count == 0)
        {
            return 0;
        }

        subscription.DeadLetters.RemoveAll(chosen.Contains);
        subscription.Replays.AddRange(chosen.Select(d => d.Sequence).Where(s => !subscription.Replays.Contains(s)));
        subscription.Replays.Sort();
        await state.WriteStateAsync();
        return chosen.Count;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> TakeReplays(string subscriptionId)
    {
        if (Find(subscriptionId) is not { Replays.Count: > 0 } subscription)
        {
            return [];
        }

        var taken = subscription.Replays.ToArray();
        subscription.Replays.Clear();
        await state.WriteStateAsync();
        return taken;
    }

    private StoredWebhookSubscription? Find(string id) => state.State.Subscriptions.Find(s => s.Id == id);

    private WebhookSubscriptionInfo ToInfo(StoredWebhookSubscription s) =>
        new(s.Id, Tenant, s.Url, s.EventTypes.ToArray(), s.Description, s.Secret, s.CreatedAt, s.Position, s.DeadLetters.Count);
}

/// <summary>The tenants with subscriptions.</summary>
public sealed class WebhookDirectoryGrain([PersistentState("tenants")] IPersistentState<WebhookDirectoryState> state) : Grain, IWebhookDirectoryGrain
{
    /// <inheritdoc />
    public async Task Register(string tenant)
    {
        var index = state.State.Tenants.BinarySearch(tenant, StringComparer.Ordinal);
        if (index < 0)
        {
            state.State.Tenants.Insert(~index, tenant);
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>(state.State.Tenants.ToArray());
}

/// <summary>What <see cref="WebhookSubscriptionsGrain"/> persists.</summary>
public sealed class WebhookSubscriptionsState
{
    /// <summary>The subscriptions, oldest first.</summary>
    public List<StoredWebhookSubscription> Subscriptions { get; set; } = [];
}

/// <summary>One stored subscription.</summary>
public sealed class StoredWebhookSubscription
{
    /// <summary>Its id (<c>wh_…</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>Target URL.</summary>
    public string Url { get; set; } = "";

    /// <summary>Type filters.</summary>
    public List<string> EventTypes { get; set; } = [];

    /// <summary>Free text.</summary>
    public string Description { get; set; } = "";

    /// <summary>HMAC key.</summary>
    public byte[] Secret { get; set; } = [];

    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Last handled sequence.</summary>
    public long Position { get; set; }

    /// <summary>Events given up.</summary>
    public List<WebhookDeadLetterInfo> DeadLetters { get; set; } = [];

    /// <summary>Sequences to deliver again.</summary>
    public List<long> Replays { get; set; } = [];
}

/// <summary>What <see cref="WebhookDirectoryGrain"/> persists.</summary>
public sealed class WebhookDirectoryState
{
    /// <summary>Tenant ids in ordinal order.</summary>
    public List<string> Tenants { get; set; } = [];
}
