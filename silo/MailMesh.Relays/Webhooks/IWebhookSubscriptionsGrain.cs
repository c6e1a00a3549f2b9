using MailMesh.Runtime;

namespace MailMesh.Relays.Webhooks;

/// <summary>One tenant's webhook subscriptions, their delivery positions and dead letters; keyed
/// <c>&lt;tenant&gt;/webhooks</c>. The single writer of all of it, so a position never moves backwards.</summary>
public interface IWebhookSubscriptionsGrain : IGrainWithStringKey
{
    /// <summary>Adds a subscription whose delivery starts after <paramref name="position"/>.</summary>
    Task<WebhookSubscriptionInfo> Create(NewWebhookSubscription subscription, long position);

    /// <summary>The subscriptions (with secrets, for the relay; the API strips them).</summary>
    [ReadOnly]
    Task<IReadOnlyList<WebhookSubscriptionInfo>> List();

    /// <summary>Removes a subscription; false when there is none with that id.</summary>
    Task<bool> Delete(string subscriptionId);

    /// <summary>Records that every event up to <paramref name="sequence"/> was handled; ignored when it would move the
    /// position back or the subscription is gone.</summary>
    Task Advance(string subscriptionId, long sequence);

    /// <summary>Records an event given up and advances past it.</summary>
    Task DeadLetter(string subscriptionId, WebhookDeadLetterInfo deadLetter);

    /// <summary>The subscription's dead letters, oldest first; null when the subscription does not exist.</summary>
    [ReadOnly]
    Task<IReadOnlyList<WebhookDeadLetterInfo>?> ListDeadLetters(string subscriptionId);

    /// <summary>Moves dead letters (one by event id, or all when null) to the replay queue; returns how many, or -1
    /// when the subscription does not exist.</summary>
    Task<int> QueueReplay(string subscriptionId, Guid? eventId);

    /// <summary>Takes the sequences queued for replay (the relay delivers them before new events).</summary>
    Task<IReadOnlyList<long>> TakeReplays(string subscriptionId);
}

/// <summary>The tenants that have webhook subscriptions; keyed <see cref="Key"/>.</summary>
public interface IWebhookDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The directory's key.</summary>
    const string Key = "system/webhook-tenants";

    /// <summary>Adds a tenant.</summary>
    Task Register(string tenant);

    /// <summary>The tenants.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> List();
}

/// <summary>What a caller asks for.</summary>
/// <param name="Url">Target URL (already checked).</param>
/// <param name="EventTypes">Types or type prefixes; empty for all.</param>
/// <param name="Description">Free text.</param>
/// <param name="Secret">The signing key.</param>
[Immutable]
public sealed record NewWebhookSubscription(string Url, IReadOnlyList<string> EventTypes, string Description, byte[] Secret);

/// <summary>A stored subscription.</summary>
[Immutable]
public sealed record WebhookSubscriptionInfo(
    string Id, string Tenant, string Url, IReadOnlyList<string> EventTypes, string Description, byte[] Secret,
    DateTimeOffset CreatedAt, long Position, int DeadLetterCount)
{
    /// <summary>Whether an event of <paramref name="type"/> goes to this subscription.</summary>
    public bool Matches(string type)
    {
        if (EventTypes.Count == 0)
        {
            return true;
        }

        foreach (var prefix in EventTypes)
        {
            if (type == prefix || (type.Length > prefix.Length && type[prefix.Length] == '.' && type.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An event given up.</summary>
[Immutable]
public sealed record WebhookDeadLetterInfo(long Sequence, Guid EventId, string Type, string Subject, int Attempts, string Reason, DateTimeOffset FailedAt);
